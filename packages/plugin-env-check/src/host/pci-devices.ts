import type { HostRoot } from "@vmforge/kernel";
import { readAttribute, readText } from "./read-log.js";
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

interface PciIdentity {
  vendorId: string | null;
  deviceId: string | null;
  classCode: string | null;
  subsystemVendorId: string | null;
  subsystemDeviceId: string | null;
  driver: string | null;
}

/**
 * `uevent` carries ids, class and subsystem in one read, where the single attributes take
 * five; a desktop has 50 to 100 PCI devices. Trees without it (hand-made snapshots) are
 * read attribute by attribute.
 */
export function parsePciUevent(text: string | undefined): PciIdentity | undefined {
  if (!text) return undefined;
  const values = new Map(text.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const));
  const [vendor, device] = (values.get("PCI_ID") ?? "").split(":");
  const [subVendor, subDevice] = (values.get("PCI_SUBSYS_ID") ?? "").split(":");
  const identity = {
    vendorId: parseHexId(vendor),
    deviceId: parseHexId(device),
    classCode: parseHexId(values.get("PCI_CLASS"), 6),
    subsystemVendorId: parseHexId(subVendor),
    subsystemDeviceId: parseHexId(subDevice),
    driver: values.get("DRIVER") || null,
  };
  return identity.vendorId && identity.deviceId && identity.classCode ? identity : undefined;
}

async function readIdentity(host: HostRoot, dir: string, uevent: string | undefined, driverLink: string | undefined): Promise<PciIdentity> {
  const fromUevent = parsePciUevent(uevent);
  if (fromUevent) return fromUevent;
  const [vendorText, deviceText, classText, subVendorText, subDeviceText] = await Promise.all([
    readAttribute(host, `${dir}/vendor`),
    readAttribute(host, `${dir}/device`),
    readAttribute(host, `${dir}/class`),
    readAttribute(host, `${dir}/subsystem_vendor`),
    readAttribute(host, `${dir}/subsystem_device`),
  ]);
  return {
    vendorId: parseHexId(vendorText),
    deviceId: parseHexId(deviceText),
    classCode: parseHexId(classText, 6),
    subsystemVendorId: parseHexId(subVendorText),
    subsystemDeviceId: parseHexId(subDeviceText),
    driver: linkName(driverLink),
  };
}

async function readPciDevice(host: HostRoot, address: string, names: PciNames): Promise<PciDevice | undefined> {
  const dir = `${PCI_DEVICES}/${address}`;
  // The driver link is read even with uevent: a single readlink, and snapshots keep it for other readers.
  const [uevent, driverLink, groupLink, resetText, numaText] = await Promise.all([
    readText(host, `${dir}/uevent`),
    host.readLink(`${dir}/driver`),
    host.readLink(`${dir}/iommu_group`),
    readAttribute(host, `${dir}/reset_method`),
    readAttribute(host, `${dir}/numa_node`),
  ]);
  const identity = await readIdentity(host, dir, uevent, driverLink);
  const { vendorId, deviceId, classCode, subsystemVendorId, subsystemDeviceId } = identity;
  const driver = linkName(driverLink) ?? identity.driver;
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
    subsystemVendorId,
    subsystemDeviceId,
    classCode,
    className: names.className(classCode) ?? FALLBACK_CLASS_NAMES[classCode.slice(0, 4)] ?? null,
    vendorName,
    deviceName,
    name: vendorName && deviceName ? `${vendorName} ${deviceName}` : (deviceName ?? `${vendorName ?? vendorId} device ${vendorId}:${deviceId}`),
    driver,
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
