import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { describeFileType } from "@vmforge/kernel";
import type { UserVmRequest } from "../contract.js";
import type { CheckReport } from "./report.js";

/** Where ISO 9660 puts its first volume descriptor's "CD001" (sector 16, byte 1). */
const ISO_MAGIC_OFFSET = 16 * 2048 + 1;

/** Each [[cdrom]] names an ISO image that is there: a regular file (or a block device, /dev/sr0). */
export async function inspectCdroms(request: UserVmRequest, report: CheckReport): Promise<void> {
  for (const [index, cdrom] of request.cdrom.entries()) {
    const path = resolve(report.baseDir, cdrom.path);
    let stats;
    try {
      stats = await stat(path);
    } catch {
      report.problem("E_CDROM_MISSING", ["cdrom", index, "path"], `${path} does not exist`, {
        received: JSON.stringify(cdrom.path),
        expected: "an ISO image",
        fix: `Download the ISO or correct the path (relative paths start at ${report.baseDir}).`,
      });
      continue;
    }
    if (!stats.isFile() && !stats.isBlockDevice()) {
      report.problem("E_CDROM_NOT_A_FILE", ["cdrom", index, "path"], `${path} is ${describeFileType(stats)}`, {
        received: `${JSON.stringify(cdrom.path)} (${describeFileType(stats)})`,
        expected: "an ISO image file or a block device",
        fix: "Point path at the ISO file itself.",
      });
      continue;
    }
    if (stats.isFile() && !(await hasIsoMagic(path))) {
      report.warn({ code: "W_CDROM_NOT_ISO", text: `cdrom[${index}]: ${path} has no ISO 9660 volume descriptor; the guest may not read it as a CD.` });
    }
  }
}

async function hasIsoMagic(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buffer = Buffer.alloc(5);
    const { bytesRead } = await handle.read(buffer, 0, 5, ISO_MAGIC_OFFSET);
    return bytesRead === 5 && buffer.toString("latin1") === "CD001";
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
