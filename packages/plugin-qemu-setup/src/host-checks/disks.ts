import { resolve } from "node:path";
import type { UserVmRequest } from "../contract.js";
import { inspectImage, type ImageFacts } from "../disk-format-detection.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/** The files the disks name: present, of the declared format, on a bus that can take them. */
export async function inspectDisks(request: UserVmRequest, report: CheckReport): Promise<HostFit["disks"]> {
  const baseDir = report.baseDir;
  const disks: HostFit["disks"] = [];
  for (const [index, disk] of request.disk.entries()) {
    const path = disk.path !== undefined ? resolve(baseDir, disk.path) : null;
    const backingPath = disk.backing !== undefined ? resolve(baseDir, disk.backing) : null;
    const none: ImageFacts = { exists: false, format: null, isFileOrDevice: false };
    const image = path ? await inspectImage(path) : none;
    const base = backingPath ? await inspectImage(backingPath) : none;
    const existing = disk.size === undefined && disk.backing === undefined;
    if (path && existing && !image.exists) {
      report.problem("E_DISK_MISSING", ["disk", index, "path"], `${path} does not exist`, {
        received: JSON.stringify(disk.path),
        expected: "an existing image, or size = \"...\" to create one",
        fix: `Create it, correct the path (relative paths start at ${baseDir}), or add size = "20GiB" to have vmforge create it.`,
      });
    } else if (path && image.exists && !image.isFileOrDevice) {
      report.problem("E_DISK_NOT_A_FILE", ["disk", index, "path"], `${path} is ${image.kind ?? "not a file or a block device"}`, {
        received: `${JSON.stringify(disk.path)} (${image.kind ?? "not a file"})`,
        expected: "an image file or a block device",
        fix: "Point path at the image file (or the block device) itself.",
      });
    } else if (path && image.exists && !existing) {
      report.warn({ code: "W_DISK_EXISTS", text: `disk[${index}]: ${path} already exists; it is used as is, never overwritten.` });
    }
    if (path && image.exists && image.format && disk.format && image.format !== disk.format && image.format === "qcow2") {
      report.problem("E_DISK_FORMAT_MISMATCH", ["disk", index, "format"], `${path} is a qcow2 image, but format = "${disk.format}"`, {
        received: JSON.stringify(disk.format),
        expected: '"qcow2"',
        fix: 'Set format = "qcow2" (as raw, the guest would see the qcow2 metadata, and could overwrite it).',
      });
    }
    if (backingPath && base.exists && !base.isFileOrDevice) {
      report.problem("E_DISK_NOT_A_FILE", ["disk", index, "backing"], `the base image ${backingPath} is ${base.kind ?? "not a file or a block device"}`, {
        received: `${JSON.stringify(disk.backing)} (${base.kind ?? "not a file"})`,
        expected: "a base image file or a block device",
        fix: "Point backing at the base image file itself.",
      });
    }
    if (backingPath && !base.exists) {
      report.problem("E_BACKING_MISSING", ["disk", index, "backing"], `the base image ${backingPath} does not exist`, {
        received: JSON.stringify(disk.backing),
        expected: "an existing base image (e.g. a downloaded cloud image)",
        fix: `Download it there, or correct the path (relative paths start at ${baseDir}).`,
      });
    }
    if (disk.bus === "sata" && disk.readonly) {
      report.problem("E_DISK_BUS_UNSUITABLE", ["disk", index, "readonly"], "QEMU's SATA disks (ide-hd) cannot attach a read-only image", {
        received: "true",
        expected: 'readonly = false, or bus = "virtio", "scsi" or "nvme"',
      });
    }
    disks.push({ path, exists: image.exists, detectedFormat: image.format, backingPath, backingFormat: base.format });
  }
  return disks;
}
