import type { VmDisk } from "@vmforge/plugin-qemu-setup";
import { qemuId, qemuJson } from "../qemu-arguments.js";
import { singleLineText } from "../user-text.js";

/*
 * libvirt 9.0 (Debian 12) has no emulated NVMe disk: its schema allows no `bus='nvme'` target
 * (added in later libvirt), and `<disk type='nvme'>` is host NVMe passthrough, not an emulated
 * controller. The only way to keep an NVMe disk an NVMe disk is QEMU's own arguments in
 * `<qemu:commandline>`: a -blockdev and a -device nvme, as libvirt itself would write them.
 * libvirt then neither relabels the image (SELinux/AppArmor/owner) nor counts it in
 * `virsh domblklist`; the README says so.
 */

/** The `-blockdev` and `-device nvme` arguments for one NVMe disk. */
export function nvmeDiskArguments(disk: VmDisk, bootOrder: number | undefined): string[] {
  const id = qemuId(disk.id);
  const readOnly = disk.readonly;
  const discard = disk.discard ? "unmap" : "ignore";
  const file = { driver: "file", filename: singleLineText(`disk[${disk.index}].path`, disk.path), "read-only": readOnly, discard };
  const blockdev = qemuJson({ driver: disk.format, "node-name": id, "read-only": readOnly, discard, file });
  // QEMU refuses an nvme device without a serial; the disk id stands in when none was given.
  const serial = singleLineText(`disk[${disk.index}].serial`, disk.serial === "" ? disk.id : disk.serial);
  const device = qemuJson({ driver: "nvme", drive: id, id: `${id}-dev`, serial, bootindex: bootOrder });
  return ["-blockdev", blockdev, "-device", device];
}
