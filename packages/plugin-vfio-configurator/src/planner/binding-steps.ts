import type { SysfsWrite } from "../contract.js";

const PCI = "/sys/bus/pci";

/** A value written to driver_override that clears it (what `echo > driver_override` writes). */
export const CLEAR_OVERRIDE = "\n";

/**
 * Binding by address: driver_override makes vfio-pci, and only vfio-pci, take the device on
 * its next probe; the current driver lets go; drivers_probe probes it again. Identical cards
 * stay apart because nothing here goes by vendor:device ids.
 */
export function bindSteps(address: string, currentDriver: string | null): SysfsWrite[] {
  return [
    { path: `${PCI}/devices/${address}/driver_override`, value: "vfio-pci", description: `${address}: only vfio-pci may claim it` },
    ...(currentDriver === null ? [] : [{ path: `${PCI}/devices/${address}/driver/unbind`, value: address, description: `${address}: ${currentDriver} lets go` }]),
    { path: `${PCI}/drivers_probe`, value: address, description: `${address}: probe again, vfio-pci claims it` },
  ];
}

/** The reverse: vfio-pci lets go, driver_override as it was, the original driver takes it back. */
export function undoSteps(address: string, originalDriver: string | null, originalOverride: string): SysfsWrite[] {
  return [
    { path: `${PCI}/drivers/vfio-pci/unbind`, value: address, description: `${address}: vfio-pci lets go` },
    {
      path: `${PCI}/devices/${address}/driver_override`,
      value: originalOverride === "" ? CLEAR_OVERRIDE : originalOverride,
      description: originalOverride === "" ? `${address}: clear driver_override` : `${address}: driver_override back to ${originalOverride}`,
    },
    ...(originalDriver === null ? [] : [{ path: `${PCI}/drivers/${originalDriver}/bind`, value: address, description: `${address}: ${originalDriver} takes it back` }]),
  ];
}
