import type { VmDisk } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "../node.js";
import { libvirtPatterns, restrictedText, singleLineText } from "../user-text.js";

const TARGET_PREFIX = { virtio: "vd", sata: "sd", scsi: "sd" } as const;

export type LibvirtDiskBus = keyof typeof TARGET_PREFIX;

export function targetPrefix(bus: LibvirtDiskBus): "vd" | "sd" {
  return TARGET_PREFIX[bus];
}

/** `<disk type='file' device='disk'>` for a virtio, SATA or SCSI disk of the definition (NVMe: see nvme-disks.ts). */
export function diskElement(disk: VmDisk & { bus: LibvirtDiskBus }, target: string, bootOrder: number | undefined): XmlElement {
  const field = `disk[${disk.index}]`;
  const children: XmlElement = {
    driver: element({ name: "qemu", type: disk.format, discard: disk.discard ? "unmap" : undefined }),
    source: element({ file: singleLineText(`${field}.path`, disk.path) }),
  };
  if (disk.backing !== null) {
    // Named so libvirt labels and opens the base image too, instead of probing the overlay's header.
    children.backingStore = element(
      { type: "file" },
      { format: element({ type: disk.backing.format }), source: element({ file: singleLineText(`${field}.backing`, disk.backing.path) }) },
    );
  }
  children.target = element({ dev: target, bus: disk.bus });
  if (disk.serial !== "") children.serial = textElement(restrictedText(`${field}.serial`, disk.serial, libvirtPatterns.diskSerial));
  if (bootOrder !== undefined) children.boot = element({ order: bootOrder });
  if (disk.readonly) children.readonly = {};
  return element({ type: "file", device: "disk" }, children);
}
