import type { HostDevice } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import { singleLineText } from "../user-text.js";
import { rootPortElement, takeRootPort, type ControllerIndexes } from "./controllers.js";

interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

function parsePciAddress(address: string): PciAddress {
  const [domain, bus, slotAndFunction] = address.split(":") as [string, string, string];
  const [slot, fn] = slotAndFunction.split(".") as [string, string];
  return { domain: Number.parseInt(domain, 16), bus: Number.parseInt(bus, 16), slot: Number.parseInt(slot, 16), function: Number.parseInt(fn, 10) };
}

const hex = (value: number, digits: number): string => `0x${value.toString(16).padStart(digits, "0")}`;

function addressAttributes(address: PciAddress): Record<string, string> {
  return { domain: hex(address.domain, 4), bus: hex(address.bus, 2), slot: hex(address.slot, 2), function: hex(address.function, 1) };
}

/**
 * PCI passthrough. Functions of one host device (same domain:bus:slot) that go to the guest
 * together, or any device marked multifunction, get a root port of their own and keep their
 * function numbers in the guest (function 0 carries multifunction='on'), so a GPU and its
 * audio function stay one device as the guest driver expects. libvirt places the rest.
 */
export function hostdevElements(devices: readonly HostDevice[], indexes: ControllerIndexes, notes: DomainNotes): { hostdevs: XmlElement[]; rootPorts: XmlElement[]; overrides: QemuDeviceOverride[] } {
  const bySlot = new Map<string, HostDevice[]>();
  for (const device of devices) {
    const slot = device.address.slice(0, device.address.lastIndexOf("."));
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), device]);
  }
  const hostdevs: XmlElement[] = [];
  const rootPorts: XmlElement[] = [];
  const overrides: QemuDeviceOverride[] = [];
  const primaryGpu = (device: HostDevice): void => {
    if (!device.primaryGpu) return;
    overrides.push({ alias: userAlias(device), properties: [{ name: "x-vga", type: "bool", value: "true" }] });
    notes.add(`${device.address} is the guest's primary GPU: x-vga=on is set through <qemu:override>, as libvirt has no element for it.`);
  };
  for (const functions of bySlot.values()) {
    const sorted = [...functions].sort((a, b) => parsePciAddress(a.address).function - parsePciAddress(b.address).function);
    const together = sorted.length > 1 || sorted.some((device) => device.multifunction);
    if (!together) {
      hostdevs.push(pciHostdev(sorted[0]!, undefined));
      primaryGpu(sorted[0]!);
      continue;
    }
    const port = takeRootPort(indexes);
    rootPorts.push(rootPortElement(port));
    const keepNumbers = sorted.some((device) => parsePciAddress(device.address).function === 0);
    sorted.forEach((device, position) => {
      const guestFunction = keepNumbers ? parsePciAddress(device.address).function : position;
      const guestAddress = element({
        type: "pci",
        ...addressAttributes({ domain: 0, bus: port, slot: 0, function: guestFunction }),
        multifunction: guestFunction === 0 ? "on" : undefined,
      });
      hostdevs.push(pciHostdev(device, guestAddress));
      primaryGpu(device);
    });
  }
  return { hostdevs, rootPorts, overrides };
}

/** A QEMU property libvirt has no element for, set on one device through `<qemu:override>` (libvirt 8.2+). */
export interface QemuDeviceOverride {
  alias: string;
  properties: Array<{ name: string; type: "bool" | "string" | "signed" | "unsigned"; value: string }>;
}

/** libvirt keeps user aliases only when they start with "ua-". */
function userAlias(device: HostDevice): string {
  return `ua-hostdev-${device.address.replace(/[:.]/g, "-")}`;
}

function pciHostdev(device: HostDevice, guestAddress: XmlElement | undefined): XmlElement {
  const children: XmlElement = {
    // Named, not left to libvirt: without it libvirt 9.0 refuses to plan the device on a host without VFIO loaded yet.
    driver: element({ name: "vfio" }),
    source: element({}, { address: element(addressAttributes(parsePciAddress(device.address))) }),
  };
  if (device.romFile !== null) children.rom = element({ file: singleLineText(`hostDevices[${device.address}].romFile`, device.romFile) });
  if (device.primaryGpu) children.alias = element({ name: userAlias(device) });
  if (guestAddress !== undefined) children.address = guestAddress;
  return element({ mode: "subsystem", type: "pci", managed: "yes" }, children);
}
