import type { VmController } from "@vmforge/plugin-qemu-setup";
import { tooManyDevicesError } from "../../errors.js";
import { element, type XmlElement } from "../node.js";

// QEMU device names (what the definition carries) to libvirt controller models.
const USB_MODELS: Record<string, string> = {
  "qemu-xhci": "qemu-xhci",
  "nec-usb-xhci": "nec-xhci",
  "ich9-usb-ehci1": "ich9-ehci1",
  "usb-ehci": "ehci",
  "piix3-usb-uhci": "piix3-uhci",
  "piix4-usb-uhci": "piix4-uhci",
};
const SCSI_MODELS: Record<string, string> = {
  "virtio-scsi-pci": "virtio-scsi",
  "virtio-scsi": "virtio-scsi",
  "lsi53c895a": "lsilogic",
  lsi: "lsilogic",
  megasas: "megasas",
};

/** The counter root ports share: pcie-root is PCI controller 0, root ports are 1, 2, ... */
const ROOT_PORT = "pcie-root-port";

/**
 * Controller indexes, given per type, so hostdevs can name a root port of their own (see
 * hostdevs.ts); libvirt adds any further root port a device needs.
 */
export class ControllerIndexes {
  readonly #next = new Map<string, number>();

  take(type: string, first = 0): number {
    const index = Math.max(this.#next.get(type) ?? first, first);
    this.#next.set(type, index + 1);
    return index;
  }
}

export function controllerElement(controller: VmController, indexes: ControllerIndexes): XmlElement {
  switch (controller.type) {
    case "pcie-root":
      return element({ type: "pci", index: 0, model: "pcie-root" });
    case "pcie-root-port":
      return rootPortElement(takeRootPort(indexes));
    case "usb": {
      const model = USB_MODELS[controller.model] ?? "qemu-xhci";
      return element({ type: "usb", index: indexes.take("usb"), model, ports: model.endsWith("xhci") ? 15 : undefined });
    }
    case "scsi":
      return element({ type: "scsi", index: indexes.take("scsi"), model: SCSI_MODELS[controller.model] ?? "virtio-scsi" });
    case "sata":
      return element({ type: "sata", index: indexes.take("sata") });
    case "virtio-serial":
      return element({ type: "virtio-serial", index: indexes.take("virtio-serial") });
  }
}

/** The next root port's controller index (the PCI bus number its device sits on). */
export function takeRootPort(indexes: ControllerIndexes): number {
  const index = indexes.take(ROOT_PORT, 1);
  if (index > 255) throw tooManyDevicesError("PCIe root ports", 255);
  return index;
}

/** A root port of its own for a passed-through multifunction device. */
export function rootPortElement(index: number): XmlElement {
  return element({ type: "pci", index, model: "pcie-root-port" });
}
