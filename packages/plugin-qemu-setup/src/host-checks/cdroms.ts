import { resolve } from "node:path";
import type { UserVmRequest } from "../contract.js";
import { inspectImage } from "../disk-format-detection.js";
import type { CheckReport } from "./report.js";

/** Each [[cdrom]] names an ISO image that is there: a regular file (or a block device, /dev/sr0). */
export async function inspectCdroms(request: UserVmRequest, report: CheckReport): Promise<void> {
  for (const [index, cdrom] of request.cdrom.entries()) {
    const path = resolve(report.baseDir, cdrom.path);
    const image = await inspectImage(path, { isoSignature: true });
    if (!image.exists) {
      report.problem("E_CDROM_MISSING", ["cdrom", index, "path"], `${path} does not exist`, {
        received: JSON.stringify(cdrom.path),
        expected: "an ISO image",
        fix: `Download the ISO or correct the path (relative paths start at ${report.baseDir}).`,
      });
    } else if (!image.isFileOrDevice) {
      report.problem("E_CDROM_NOT_A_FILE", ["cdrom", index, "path"], `${path} is ${image.kind ?? "not a file or a block device"}`, {
        received: `${JSON.stringify(cdrom.path)} (${image.kind ?? "not a file"})`,
        expected: "an ISO image file or a block device",
        fix: "Point path at the ISO file itself.",
      });
    } else if (image.iso9660 === false) {
      report.warn({ code: "W_CDROM_NOT_ISO", text: `cdrom[${index}]: ${path} has no ISO 9660 volume descriptor; the guest may not read it as a CD.` });
    }
  }
}
