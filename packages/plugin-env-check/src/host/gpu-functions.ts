import type { GpuInfo, PciDevice } from "../contract.js";
import { isBridge, isDisplay, slotOf } from "../verdicts/device-roles.js";

export const isAudio = (device: PciDevice): boolean => device.classCode.startsWith("0403");

/**
 * GPUs are display-class devices. The other functions of the same slot and the same vendor
 * (HDMI/DP audio, the USB-C controller and UCSI of a Turing card) belong to the GPU; an APU's
 * platform functions (PSP, USB, HD audio from the CPU vendor) do not.
 */
export function findGpus(devices: readonly PciDevice[]): GpuInfo[] {
  const bySlot = new Map<string, PciDevice[]>();
  for (const device of devices) {
    const list = bySlot.get(slotOf(device.address)) ?? [];
    list.push(device);
    bySlot.set(slotOf(device.address), list);
  }
  const gpus: GpuInfo[] = [];
  for (const members of bySlot.values()) {
    const ordered = [...members].sort((a, b) => a.address.localeCompare(b.address));
    const primary = ordered.find(isDisplay);
    if (!primary) continue;
    const functions = ordered.filter((device) => device === primary || (device.vendorId === primary.vendorId && !isBridge(device)));
    const groups = [...new Set(functions.map((device) => device.iommuGroup).filter((group): group is number => group !== null))].sort((a, b) => a - b);
    gpus.push({
      address: primary.address,
      name: primary.name,
      vendorId: primary.vendorId,
      deviceId: primary.deviceId,
      driver: primary.driver,
      bootVga: primary.bootVga,
      functions: functions.map((device) => device.address),
      groups,
      hasAudio: functions.some(isAudio),
    });
  }
  return gpus.sort((a, b) => a.address.localeCompare(b.address));
}
