import { resolve } from "node:path";
import { ImageCache, resolveImageSpec } from "@vmforge/image-cache";
import type { UserVmRequest, VmDisk } from "../contract.js";
import { inspectImage, type ImageFacts } from "../disk-format-detection.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/** The files the disks name: present, of the declared format, on a bus that can take them. */
export async function inspectDisks(request: UserVmRequest, report: CheckReport, imageCache?: string): Promise<HostFit["disks"]> {
  const baseDir = report.baseDir;
  const disks: HostFit["disks"] = [];
  for (const [index, disk] of request.disk.entries()) {
    const path = disk.path !== undefined ? resolve(baseDir, disk.path) : null;
    const image = imageOf(disk, index, report, imageCache);
    if (disk.image !== undefined && !image) {
      disks.push({ path, exists: false, detectedFormat: null, backingPath: null, backingFormat: null });
      continue;
    }
    if (image) {
      // Not downloaded yet is no problem: qemu_setup:fetch_disk_images fetches it before the overlay is made.
      const base = await inspectImage(image.cachePath);
      if (base.exists && !base.isFileOrDevice) {
        report.problem("E_DISK_NOT_A_FILE", ["disk", index, "image"], `the cached image ${image.cachePath} is ${base.kind ?? "not a file"}`, {
          received: JSON.stringify(disk.image),
          fix: `Remove ${image.cachePath}; vmforge downloads the image again.`,
        });
      }
      disks.push({ path: null, exists: false, detectedFormat: null, backingPath: image.cachePath, backingFormat: base.exists ? base.format : null, image: { ...image, cached: base.exists } });
      continue;
    }
    const backingPath = disk.backing !== undefined ? resolve(baseDir, disk.backing) : null;
    const none: ImageFacts = { exists: false, format: null, isFileOrDevice: false };
    const found = path ? await inspectImage(path) : none;
    const base = backingPath ? await inspectImage(backingPath) : none;
    const existing = disk.size === undefined && disk.backing === undefined;
    if (path && existing && !found.exists) {
      report.problem("E_DISK_MISSING", ["disk", index, "path"], `${path} does not exist`, {
        received: JSON.stringify(disk.path),
        expected: "an existing image, or size = \"...\" to create one",
        fix: `Create it, correct the path (relative paths start at ${baseDir}), or add size = "20GiB" to have vmforge create it.`,
      });
    } else if (path && found.exists && !found.isFileOrDevice) {
      report.problem("E_DISK_NOT_A_FILE", ["disk", index, "path"], `${path} is ${found.kind ?? "not a file or a block device"}`, {
        received: `${JSON.stringify(disk.path)} (${found.kind ?? "not a file"})`,
        expected: "an image file or a block device",
        fix: "Point path at the image file (or the block device) itself.",
      });
    } else if (path && found.exists && !existing) {
      report.warn({ code: "W_DISK_EXISTS", text: `disk[${index}]: ${path} already exists; it is used as is, never overwritten.` });
    }
    if (path && found.exists && found.format && disk.format && found.format !== disk.format && found.format === "qcow2") {
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
    disks.push({ path, exists: found.exists, detectedFormat: found.format, backingPath, backingFormat: base.format });
  }
  return disks;
}

/** `[[disk]] image` as the definition records it; a problem (and undefined) without a cache to put it in. */
function imageOf(disk: UserVmRequest["disk"][number], index: number, report: CheckReport, imageCache: string | undefined): NonNullable<VmDisk["image"]> | undefined {
  if (disk.image === undefined) return undefined;
  const resolved = resolveImageSpec({ image: disk.image, ...(disk.sha256 === undefined ? {} : { sha256: disk.sha256 }), ...(disk.sha512 === undefined ? {} : { sha512: disk.sha512 }), ...(disk.checksums === undefined ? {} : { checksums: disk.checksums }) });
  if (!resolved.ok) {
    // The schema refused these already; a hand-made request could still carry them.
    for (const problem of resolved.problems) report.problem("E_IMAGE_SOURCE", ["disk", index, problem.key], problem.message, { ...(problem.received ? { received: problem.received } : {}), ...(problem.fix ? { fix: problem.fix } : {}) });
    return undefined;
  }
  if (imageCache === undefined) {
    report.problem("E_IMAGE_SOURCE", ["disk", index, "image"], "no image cache folder is known to this check", { fix: "Run the request through vmforge (a plugin bug otherwise)." });
    return undefined;
  }
  const { source } = resolved;
  return {
    name: source.name ?? null,
    url: source.url,
    checksum: source.checksum ?? null,
    checksumsUrl: source.checksumsUrl ?? null,
    cachePath: new ImageCache(imageCache).entryPath(source),
  };
}
