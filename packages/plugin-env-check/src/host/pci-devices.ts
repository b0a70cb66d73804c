import type { HostRoot } from "@vmforge/kernel";
import { readAttribute } from "./read-log.js";
import type { PciDevice } from "../contract.js";
import { readPciNames, type PciNames } from "./pci-ids.js";
import { PCI_ADDRESS, linkName, parseHexId, parseInteger } from "./sysfs-values.js";

const PCI_DEVICES = "/sys/bus/pci/devices";

/** Every device under /sys/bus/pci/devices, read in parallel, named from pci.ids. */
export async function readPciDevices(host: HostRoot): Promise<PciDevice[]> {
  const [addresses, names] = await Promise.all([host.list(PCI_DEVICES), readPciNames(host)]);
  const devices = await Promise.all(addresses.filter((address) => PCI_ADDRESS.test(address)).map((address) => readPciDevice(host, address, names)));
  return devices.filter((device): device is PciDevice => device !== undefined);
}

async function readPciDevice(host: HostRoot, address: string, names: PciNames): Promise<PciDevice | undefined> {
  const dir = `${PCI_DEVICES}/${address}`;
  const [vendorText, deviceText, classText, subVendorText, subDeviceText, driverLink, groupLink, resetText, numaText] = await Promise.all([
    readAttribute(host, `${dir}/vendor`),
    readAttribute(host, `${dir}/device`),
    readAttribute(host, `${dir}/class`),
    readAttribute(host, `${dir}/subsystem_vendor`),
    readAttribute(host, `${dir}/subsystem_device`),
    host.readLink(`${dir}/driver`),
    host.readLink(`${dir}/iommu_group`),
    readAttribute(host, `${dir}/reset_method`),
    readAttribute(host, `${dir}/numa_node`),
  ]);
  const vendorId = parseHexId(vendorText);
  const deviceId = parseHexId(deviceText);
  const classCode = parseHexId(classText, 6);
  if (!vendorId || !deviceId || !classCode) return undefined;
  const isDisplay = classCode.startsWith("03");
  const bootVgaText = isDisplay ? await readAttribute(host, `${dir}/boot_vga`) : undefined;
  const vendorName = names.vendor(vendorId);
  const deviceName = names.device(vendorId, deviceId);
  const group = parseInteger(linkName(groupLink) ?? undefined);
  return {
    address,
    vendorId,
    deviceId,
    subsystemVendorId: parseHexId(subVendorText),
    subsystemDeviceId: parseHexId(subDeviceText),
    classCode,
    className: names.className(classCode) ?? FALLBACK_CLASS_NAMES[classCode.slice(0, 4)] ?? null,
    vendorName,
    deviceName,
    name: vendorName && deviceName ? `${vendorName} ${deviceName}` : (deviceName ?? `${vendorName ?? vendorId} device ${vendorId}:${deviceId}`),
    driver: linkName(driverLink),
    iommuGroup: group !== null && group >= 0 ? group : null,
    bootVga: isDisplay && bootVgaText !== undefined ? bootVgaText === "1" : null,
    resetMethods: resetText ? resetText.split(/\s+/).filter(Boolean) : null,
    numaNode: parseInteger(numaText),
  };
}

/** Class names for a host without pci.ids, enough to read a report. */
const FALLBACK_CLASS_NAMES: Record<string, string> = {
  "0106": "SATA controller",
  "0108": "Non-Volatile memory controller",
  "0200": "Ethernet controller",
  "0280": "Network controller",
  "0300": "VGA compatible controller",
  "0302": "3D controller",
  "0380": "Display controller",
  "0403": "Audio device",
  "0600": "Host bridge",
  "0601": "ISA bridge",
  "0604": "PCI bridge",
  "0c03": "USB controller",
  "0c05": "SMBus",
  "0c80": "Serial bus controller",
};
