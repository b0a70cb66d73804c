import { join } from "node:path";
import type { HostDevice, UserVmRequest, VmController, VmDefinition, VmDisk, VmNic } from "./contract.js";
import { uuidFromName } from "./derive-ids.js";
import { defineLookingGlass } from "./looking-glass.js";
import type { CpuRam, HostFit } from "./working-keys.js";

export interface DefinitionParts {
  request: UserVmRequest;
  runDir: string;
  hardware: CpuRam;
  storage: { disks: VmDisk[]; controllers: VmController[] };
  networking: { nics: VmNic[] };
  hostDevices: HostDevice[];
  /** What validation found for [looking_glass]; absent in a fit made before it existed. */
  fit?: Pick<HostFit, "lookingGlass" | "runAs">;
}

const VIDEO: Record<VmDefinition["display"]["type"], VmDefinition["display"]["video"]> = { none: "none", vnc: "virtio-vga", gtk: "virtio-vga", spice: "qxl-vga" };

/** The complete vm_definition; the same parts always give the same value. */
export function assembleDefinition(parts: DefinitionParts): VmDefinition {
  const { request, runDir, hardware } = parts;
  const hasDisplay = request.display.type !== "none";
  const tablet = request.usb.tablet ?? hasDisplay;
  const controllers: VmController[] = [
    { id: "pcie.0", type: "pcie-root", model: "pcie-root", builtin: true },
    { id: "ide", type: "sata", model: "ich9-ahci", builtin: true },
    { id: "usb", type: "usb", model: "qemu-xhci", builtin: false },
    ...parts.storage.controllers,
    ...(request.vm.guest_agent ? [{ id: "vser0", type: "virtio-serial" as const, model: "virtio-serial-pci", builtin: false }] : []),
  ];
  const input: VmDefinition["input"] = [
    ...(tablet ? [{ type: "tablet" as const, bus: "usb" as const }] : []),
    ...(hasDisplay ? [{ type: "keyboard" as const, bus: "ps2" as const }, { type: "mouse" as const, bus: "ps2" as const }] : []),
  ];
  return {
    schemaVersion: 1,
    name: request.vm.name,
    uuid: uuidFromName(request.vm.name),
    guest: request.vm.guest,
    description: request.vm.description ?? null,
    machine: "q35",
    runDir,
    accelerator: hardware.accelerator,
    cpu: hardware.cpu,
    memory: hardware.memory,
    firmware: hardware.firmware,
    disks: parts.storage.disks,
    nics: parts.networking.nics,
    controllers,
    input,
    usbDevices: request.usb.devices.map((device) => ({ vendorId: device.vendor, productId: device.product })),
    display: {
      type: request.display.type,
      listen: hasDisplay && request.display.type !== "gtk" ? request.display.listen : null,
      port: request.display.port ?? null,
      video: VIDEO[request.display.type],
    },
    serial: { type: "socket", path: join(runDir, "console.sock"), log: join(runDir, "serial.log") },
    rng: request.vm.rng ? { model: "virtio-rng-pci", source: "/dev/urandom" } : null,
    guestAgent: request.vm.guest_agent ? { channel: "org.qemu.guest_agent.0", socket: join(runDir, "qga.sock") } : null,
    qmpSocket: join(runDir, "qmp.sock"),
    hostDevices: [...parts.hostDevices].sort((a, b) => a.address.localeCompare(b.address)),
    output: { libvirtXml: request.output.libvirt_xml },
    ...(request.looking_glass ? { lookingGlass: defineLookingGlass(request.looking_glass, parts.fit?.lookingGlass?.kvmfr ?? false, request.vm.run_as ?? parts.fit?.runAs ?? null) } : {}),
    ...(request.input !== undefined && request.input.length > 0
      ? { evdev: request.input.map((input, index) => ({ id: `evdev${index}`, path: input.evdev, grabAll: input.grab_all, repeat: input.repeat, grabToggle: input.grab_toggle ?? null })) }
      : {}),
  };
}
