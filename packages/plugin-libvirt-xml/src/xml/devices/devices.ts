import type { GuestMedium, VmDefinition, VmDisk } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import { singleLineText } from "../user-text.js";
import type { BootOrder } from "./boot-order.js";
import { serialConsoleElements } from "./console.js";
import { ControllerIndexes, controllerElement } from "./controllers.js";
import { diskElement, targetPrefix, type LibvirtDiskBus } from "./disks.js";
import { displayElements } from "./graphics.js";
import { guestAgentChannelElement } from "./guest-agent.js";
import { guestMediumBus, guestMediumElement } from "./guest-media.js";
import { hostdevElements, type QemuDeviceOverride } from "./hostdevs.js";
import { inputElement } from "./input.js";
import { interfaceElement } from "./interfaces.js";
import { nvmeDiskArguments } from "./nvme-disks.js";
import { rngElement } from "./rng.js";
import { hasPortForwards, userNetworkArguments } from "./user-network-forwards.js";
import { DiskTargetNames } from "./target-names.js";
import { tpmElement } from "./tpm.js";
import { usbHostdevElement } from "./usb.js";

export interface DevicesInput {
  definition: VmDefinition;
  media: readonly GuestMedium[];
  emulator: string;
  bootOrder: BootOrder;
  notes: DomainNotes;
}

export interface DevicesXml {
  devices: XmlElement;
  /** QEMU arguments for what libvirt 9.0 cannot express (NVMe disks, user networking with port forwards). */
  qemuArguments: string[];
  /** QEMU properties libvirt has no element for (x-vga of a primary GPU). */
  qemuOverrides: QemuDeviceOverride[];
}

export function devicesElement({ definition, media, emulator, bootOrder, notes }: DevicesInput): DevicesXml {
  const targets = new DiskTargetNames();
  const disks: XmlElement[] = [];
  const qemuArguments: string[] = [];
  for (const disk of definition.disks) {
    if (disk.bus === "nvme") {
      qemuArguments.push(...nvmeDiskArguments(disk, bootOrder.of(disk.id)));
      notes.add("NVMe disks are passed to QEMU in <qemu:commandline> (libvirt 9.0 has no NVMe disk bus): libvirt does not relabel those images, so the QEMU user must be able to open them.");
      continue;
    }
    const libvirtDisk = disk as VmDisk & { bus: LibvirtDiskBus };
    disks.push(diskElement(libvirtDisk, targets.take(targetPrefix(libvirtDisk.bus)), bootOrder.of(disk.id)));
  }
  media.forEach((medium, position) => {
    const target = targets.take(guestMediumBus(medium) === "sata" ? "sd" : "vd");
    disks.push(guestMediumElement(medium, position, target, bootOrder.of(mediumDeviceId(position))));
  });

  const indexes = new ControllerIndexes();
  const controllers = definition.controllers.map((controller) => controllerElement(controller, indexes));
  const passthrough = hostdevElements(definition.hostDevices, indexes, notes);
  const display = displayElements(definition.display, notes);

  const devices: XmlElement = { emulator: textElement(singleLineText("emulator", emulator)) };
  if (disks.length > 0) devices.disk = disks;
  const allControllers = [...controllers, ...passthrough.rootPorts];
  if (allControllers.length > 0) devices.controller = allControllers;
  const interfaces: XmlElement[] = [];
  for (const nic of definition.nics) {
    if (!hasPortForwards(nic)) {
      interfaces.push(interfaceElement(nic));
      continue;
    }
    qemuArguments.push(...userNetworkArguments(nic));
    notes.add("User networking with port forwards is passed to QEMU in <qemu:commandline> (libvirt 9.0 forwards ports only with passt, which it does not accept here): `virsh domiflist` does not list that NIC.");
  }
  if (interfaces.length > 0) devices.interface = interfaces;
  const hostdevs = [...passthrough.hostdevs, ...definition.usbDevices.map(usbHostdevElement)];
  if (hostdevs.length > 0) devices.hostdev = hostdevs;
  Object.assign(devices, serialConsoleElements());
  if (definition.guestAgent !== null) devices.channel = [guestAgentChannelElement(definition.guestAgent)];
  if (definition.input.length > 0) devices.input = definition.input.map(inputElement);
  if (display.graphics) devices.graphics = display.graphics;
  if (display.video) devices.video = display.video;
  if (definition.firmware.tpm) devices.tpm = tpmElement();
  // No balloon: the QEMU command line of the same definition has none, and libvirt would add one if this were left out.
  devices.memballoon = element({ model: "none" });
  if (definition.rng !== null) devices.rng = rngElement(definition.rng);
  return { devices, qemuArguments, qemuOverrides: passthrough.overrides };
}

/** The boot-order key of a guest medium (disks use their id, disk0...). */
export function mediumDeviceId(position: number): string {
  return `guest_media[${position}]`;
}
