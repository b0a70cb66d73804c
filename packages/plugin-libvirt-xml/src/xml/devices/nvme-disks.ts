import type { VmDisk } from "@vmforge/plugin-qemu-setup";
import { qemuId, qemuOptionValue } from "../qemu-arguments.js";
import { singleLineText } from "../user-text.js";

/*
 * libvirt 9.0 (Debian 12) has no emulated NVMe disk: its schema allows no `bus='nvme'` target
 * (added in libvirt 10.x/11.x), and `<disk type='nvme'>` is host NVMe passthrough, not an
 * emulated controller. The only way to keep an NVMe disk an NVMe disk is QEMU's own
 * arguments in `<qemu:commandline>`, the same -drive/-device pair the QEMU command line uses.
 * libvirt then neither relabels the image (SELinux/AppArmor/owner) nor counts it in
 * `virsh domblklist`; the README says so.
 */

/** The `-drive` and `-device nvme` arguments for one NVMe disk. */
export function nvmeDiskArguments(disk: VmDisk, bootOrder: number | undefined): string[] {
  const id = qemuId(disk.id);
  const path = singleLineText(`disk[${disk.index}].path`, disk.path);
  const drive = [`file=${qemuOptionValue(path)}`, `format=${disk.format}`, "if=none", `id=${id}`];
  if (disk.readonly) drive.push("readonly=on");
  if (disk.discard) drive.push("discard=unmap");
  // QEMU refuses an nvme device without a serial; the disk id stands in when none was given.
  const serial = disk.serial === "" ? disk.id : disk.serial;
  const device = ["nvme", `drive=${id}`, `serial=${qemuOptionValue(singleLineText(`disk[${disk.index}].serial`, serial))}`];
  if (bootOrder !== undefined) device.push(`bootindex=${bootOrder}`);
  return ["-drive", drive.join(","), "-device", device.join(",")];
}
