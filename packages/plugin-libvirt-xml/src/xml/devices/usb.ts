import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";

type UsbDevice = VmDefinition["usbDevices"][number];

/** A host USB device by vendor and product id; libvirt finds it on the host bus when the VM starts. */
export function usbHostdevElement(device: UsbDevice): XmlElement {
  return element(
    { mode: "subsystem", type: "usb", managed: "yes" },
    { source: element({}, { vendor: element({ id: `0x${device.vendorId}` }), product: element({ id: `0x${device.productId}` }) }) },
  );
}
