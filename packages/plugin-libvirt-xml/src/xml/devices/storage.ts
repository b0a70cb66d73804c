import type { GuestMedium, VmDefinition, VmDisk } from "@vmforge/plugin-qemu-setup";
import type { XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import type { BootOrder } from "./boot-order.js";
import { diskElement, targetPrefix, type LibvirtDiskBus } from "./disks.js";
import { guestMediumBus, guestMediumElement } from "./guest-media.js";
import { nvmeDiskArguments } from "./nvme-disks.js";
import { DiskTargetNames } from "./target-names.js";

/** The boot-order key of a guest medium (disks use their id, disk0...). */
export function mediumDeviceId(position: number): string {
  return `guest_media[${position}]`;
}

function isLibvirtDisk(disk: VmDisk): disk is VmDisk & { bus: LibvirtDiskBus } {
  return disk.bus !== "nvme";
}

/** The definition's disks, then the guest media, named in one sequence; NVMe disks as QEMU arguments. */
export function storageDevices(definition: VmDefinition, media: readonly GuestMedium[], bootOrder: BootOrder, notes: DomainNotes): { disks: XmlElement[]; qemuArguments: string[] } {
  const targets = new DiskTargetNames();
  const disks: XmlElement[] = [];
  const qemuArguments: string[] = [];
  for (const disk of definition.disks) {
    if (isLibvirtDisk(disk)) {
      disks.push(diskElement(disk, targets.take(targetPrefix(disk.bus)), bootOrder.of(disk.id)));
      continue;
    }
    qemuArguments.push(...nvmeDiskArguments(disk, bootOrder.of(disk.id)));
    notes.add("NVMe disks are passed to QEMU in <qemu:commandline> (libvirt 9.0 has no NVMe disk bus): libvirt does not relabel those images, so the QEMU user must be able to open them.");
  }
  media.forEach((medium, position) => {
    const target = targets.take(guestMediumBus(medium) === "sata" ? "sd" : "vd");
    disks.push(guestMediumElement(medium, position, target, bootOrder.of(mediumDeviceId(position))));
  });
  return { disks, qemuArguments };
}
