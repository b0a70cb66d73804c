import type { GuestMedium } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";
import { singleLineText } from "../user-text.js";

/**
 * A guest plugin's image: a CD-ROM on SATA (what virt-install uses for the cloud-init seed,
 * and what every guest reads without drivers) or a virtio disk.
 */
export function guestMediumElement(medium: GuestMedium, position: number, target: string, bootOrder: number | undefined): XmlElement {
  const children: XmlElement = {
    driver: element({ name: "qemu", type: medium.format }),
    source: element({ file: singleLineText(`guest_media[${position}].path`, medium.path) }),
    target: element({ dev: target, bus: guestMediumBus(medium) }),
  };
  if (bootOrder !== undefined) children.boot = element({ order: bootOrder });
  if (medium.kind === "cdrom" || medium.readonly) children.readonly = {};
  return element({ type: "file", device: medium.kind }, children);
}

export function guestMediumBus(medium: GuestMedium): "sata" | "virtio" {
  return medium.kind === "cdrom" ? "sata" : "virtio";
}
