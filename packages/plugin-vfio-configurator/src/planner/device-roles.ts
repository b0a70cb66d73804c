import type { PciDevice } from "@vmforge/plugin-env-check";

/*
 * Device classes as they matter for passthrough. The env-check plugin classifies GPU group
 * mates the same way internally; its helpers are not part of its public face, so this file
 * repeats the rule for any device, not only GPUs.
 */

/** Drivers that mean the host has already let go of the device. */
const RELEASED_DRIVERS = new Set(["vfio-pci", "pci-stub"]);

/** Host bridge (0600), PCI-to-PCI bridge (0604), semi-transparent bridge (0609): they stay with the host. */
export function isBridge(device: PciDevice): boolean {
  const sub = device.classCode.slice(0, 4);
  return sub === "0600" || sub === "0604" || sub === "0609";
}

export function isDisplay(device: PciDevice): boolean {
  return device.classCode.startsWith("03");
}

/** VGA-compatible: the only kind QEMU can make the guest's primary display (x-vga). */
export function isVgaCompatible(device: PciDevice): boolean {
  return device.classCode.startsWith("0300");
}

export function isReleased(device: PciDevice): boolean {
  return device.driver !== null && RELEASED_DRIVERS.has(device.driver);
}

/**
 * Classes the host cannot give away by accident: storage (01), network (02), display (03),
 * the chipset's ISA/LPC bridge (0601), USB (0c03), SMBus (0c05), and the system peripherals
 * that are interrupt, DMA, timer and IOMMU controllers (0800-0806).
 */
export function isHostNeeded(device: PciDevice): boolean {
  if (isReleased(device)) return false;
  const base = device.classCode.slice(0, 2);
  const sub = device.classCode.slice(0, 4);
  return base === "01" || base === "02" || base === "03" || sub === "0601" || sub === "0c03" || sub === "0c05" || /^080[0-6]$/.test(sub);
}

/** `0000:01:00.1` -> `0000:01:00`. */
export function slotOf(address: string): string {
  return address.slice(0, address.lastIndexOf("."));
}

/** `0000:01:00.1` -> `0000:01`. */
export function busOf(address: string): string {
  return address.slice(0, address.indexOf(":", 5));
}

export function describeDevice(device: PciDevice): string {
  return `${device.address} (${device.className ?? `class ${device.classCode}`}: ${device.name})`;
}

export function idsOf(device: PciDevice): string {
  return `${device.vendorId}:${device.deviceId}`;
}
