import type { PciDevice } from "../contract.js";

/*
 * What a PCI function is to the host, by its class code and its driver. The GPU verdicts use
 * these rules, and so does the VFIO planner (through the package's public face).
 */

/** Drivers that mean the host has already let go of the device. */
const RELEASED_DRIVERS = new Set(["vfio-pci", "pci-stub"]);

/** Display controllers (class 03): VGA, XGA, 3D and other display devices. */
export function isDisplay(device: Pick<PciDevice, "classCode">): boolean {
  return device.classCode.startsWith("03");
}

/** Bound to vfio-pci or pci-stub: the host has let go of it. */
export function isReleased(device: Pick<PciDevice, "driver">): boolean {
  return device.driver !== null && RELEASED_DRIVERS.has(device.driver);
}

/**
 * A function the host cannot give away by accident, unless it is already released: storage
 * (01), network (02), display (03), the chipset's ISA/LPC bridge (0601), USB (0c03), SMBus
 * (0c05), and the system peripherals that are interrupt, DMA, timer and IOMMU controllers
 * (0800-0806).
 */
export function isHostNeeded(device: Pick<PciDevice, "classCode" | "driver">): boolean {
  if (isReleased(device)) return false;
  const base = device.classCode.slice(0, 2);
  const sub = device.classCode.slice(0, 4);
  return base === "01" || base === "02" || base === "03" || sub === "0601" || sub === "0c03" || sub === "0c05" || /^080[0-6]$/.test(sub);
}

/** `0000:01:00.1` → `0000:01:00`. */
export function slotOf(address: string): string {
  return address.slice(0, address.lastIndexOf("."));
}
