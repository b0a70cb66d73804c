import type { PciDevice } from "@vmforge/plugin-env-check";

/*
 * Device classes as only the planner sees them. The rules shared with env-check's GPU verdicts
 * (isDisplay, isReleased, isHostNeeded, slotOf) come from `@vmforge/plugin-env-check`. The
 * bridge rule here is not env-check's: this one also counts 0609 (semi-transparent bridge).
 */

/** Host bridge (0600), PCI-to-PCI bridge (0604), semi-transparent bridge (0609): they stay with the host. */
export function isBridge(device: PciDevice): boolean {
  const sub = device.classCode.slice(0, 4);
  return sub === "0600" || sub === "0604" || sub === "0609";
}

/** VGA-compatible: the only kind QEMU can make the guest's primary display (x-vga). */
export function isVgaCompatible(device: PciDevice): boolean {
  return device.classCode.startsWith("0300");
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
