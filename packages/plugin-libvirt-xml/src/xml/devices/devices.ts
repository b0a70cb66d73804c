import type { GuestMedium, VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import { singleLineText } from "../user-text.js";
import type { BootOrder } from "./boot-order.js";
import { serialConsoleElements } from "./console.js";
import { ControllerIndexes, controllerElement } from "./controllers.js";
import { displayElements } from "./graphics.js";
import { guestAgentChannelElement } from "./guest-agent.js";
import { hostdevElements, type QemuDeviceOverride } from "./hostdevs.js";
import { evdevInputElement, inputElement } from "./input.js";
import { lookingGlassDevices } from "./shmem.js";
import { networkDevices } from "./network.js";
import { rngElement } from "./rng.js";
import { storageDevices } from "./storage.js";
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

/** `<devices>`, in libvirt's own order of device kinds. */
export function devicesElement({ definition, media, emulator, bootOrder, notes }: DevicesInput): DevicesXml {
  const indexes = new ControllerIndexes();
  const controllers = definition.controllers.map((controller) => controllerElement(controller, indexes));
  const passthrough = hostdevElements(definition.hostDevices, indexes, notes);
  const storage = storageDevices(definition, media, bootOrder, notes);
  const network = networkDevices(definition.nics, notes);
  const display = displayElements(definition.display, notes);
  const hostdevs = [...passthrough.hostdevs, ...definition.usbDevices.map(usbHostdevElement)];

  const devices: XmlElement = { emulator: textElement(singleLineText("emulator", emulator)) };
  if (storage.disks.length > 0) devices.disk = storage.disks;
  const allControllers = [...controllers, ...passthrough.rootPorts];
  if (allControllers.length > 0) devices.controller = allControllers;
  if (network.interfaces.length > 0) devices.interface = network.interfaces;
  if (hostdevs.length > 0) devices.hostdev = hostdevs;
  Object.assign(devices, serialConsoleElements(definition));
  if (definition.guestAgent !== null) devices.channel = [guestAgentChannelElement(definition.guestAgent)];
  const inputs = [...definition.input.map(inputElement), ...(definition.evdev ?? []).map(evdevInputElement)];
  if (inputs.length > 0) devices.input = inputs;
  if (display.graphics) devices.graphics = display.graphics;
  if (display.video) devices.video = display.video;
  if (definition.firmware.tpm) devices.tpm = tpmElement();
  // No balloon: the QEMU command line of the same definition has none, and libvirt would add one if this were left out.
  devices.memballoon = element({ model: "none" });
  if (definition.rng !== null) devices.rng = rngElement(definition.rng);
  const lookingGlass = definition.lookingGlass ? lookingGlassDevices(definition.lookingGlass, notes) : { shmem: [], qemuArguments: [] };
  if (lookingGlass.shmem.length > 0) devices.shmem = lookingGlass.shmem;
  return { devices, qemuArguments: [...storage.qemuArguments, ...network.qemuArguments, ...lookingGlass.qemuArguments], qemuOverrides: passthrough.overrides };
}
