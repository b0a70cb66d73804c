import type { PciDevice } from "@vmforge/plugin-env-check";

/*
 * The planner's device helpers. What a device is to the host (display, released, bridge,
 * host-needed, the host's screen) is env-check's one set of rules, imported from
 * `@vmforge/plugin-env-check`, so a plan and `vmforge check` judge a host alike.
 */
export { isBridge, isVgaCompatible } from "@vmforge/plugin-env-check";

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
