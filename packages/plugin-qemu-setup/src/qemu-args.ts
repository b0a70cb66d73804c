import { VmforgeError } from "@vmforge/kernel";
import { LOOKING_GLASS_ID } from "./looking-glass.js";
import type { GuestMedium, HostDevice, VmDefinition, VmDisk, VmHyperv, VmNic } from "./contract.js";

export const QEMU_BINARY = "qemu-system-x86_64";
const SATA_PORTS = 6;

/** A NIC whose tap file descriptor launch.sh opens before QEMU starts (macvtap). */
export interface InheritedTap {
  fd: number;
  nicId: string;
  /** The macvtap interface launch.sh creates. */
  interfaceName: string;
  parent: string;
  mac: string;
}

export interface QemuInvocation {
  /** Program first, then one element per argument: never joined into a shell string. */
  argv: string[];
  inheritedTaps: InheritedTap[];
}

/** QEMU splits option values on commas; a literal comma is written twice. */
export function escapeOptionValue(value: string): string {
  return value.replace(/,/g, ",,");
}

/** `key=value` pairs for one QEMU option; values are escaped, keys are ours. */
function options(pairs: Array<[string, string | number | undefined | null | false]>): string {
  return pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined && pair[1] !== null && pair[1] !== false)
    .map(([key, value]) => (key === "" ? escapeOptionValue(String(value)) : `${key}=${escapeOptionValue(String(value))}`))
    .join(",");
}

/** The QEMU command line for a definition and the guest media other plugins attached. */
export function buildQemuInvocation(definition: VmDefinition, media: readonly GuestMedium[]): QemuInvocation {
  const argv: string[] = [QEMU_BINARY];
  const add = (...args: string[]): void => void argv.push(...args);
  const { cpu, memory, firmware } = definition;

  add("-name", options([["guest", definition.name], ["debug-threads", "on"]]));
  add("-uuid", definition.uuid);
  add("-nodefaults", "-no-user-config");
  add(
    "-machine",
    options([
      ["type", "q35"],
      ["accel", definition.accelerator.type],
      ["smm", firmware.secureBoot ? "on" : undefined],
      ["memory-backend", memory.hugepages ? "mem0" : undefined],
    ]),
  );
  add("-cpu", cpuOption(cpu));
  add("-smp", options([["cpus", cpu.vcpus], ["sockets", cpu.sockets], ["cores", cpu.cores], ["threads", cpu.threads]]));
  add("-m", `${memory.mib}M`);
  if (memory.hugepages) {
    // memfd with hugetlb needs no hugetlbfs mount point, whatever the page size.
    add(
      "-object",
      options([["", "memory-backend-memfd"], ["id", "mem0"], ["size", `${memory.mib}M`], ["hugetlb", "on"], ["hugetlbsize", memory.hugepageSizeBytes ?? undefined], ["share", "on"], ["prealloc", "on"]]),
    );
  }

  if (firmware.type === "uefi") {
    if (!firmware.code || !firmware.vars) throw new VmforgeError("E_OVMF_MISSING", "The definition asks for UEFI but names no OVMF files.");
    if (firmware.secureBoot) add("-global", "driver=cfi.pflash01,property=secure,value=on");
    add("-drive", options([["if", "pflash"], ["format", "raw"], ["unit", 0], ["readonly", "on"], ["file", firmware.code]]));
    add("-drive", options([["if", "pflash"], ["format", "raw"], ["unit", 1], ["file", firmware.vars]]));
  }
  if (firmware.tpm && firmware.tpmSocket) {
    add("-chardev", options([["", "socket"], ["id", "chrtpm"], ["path", firmware.tpmSocket]]));
    add("-tpmdev", "emulator,id=tpm0,chardev=chrtpm");
    add("-device", "tpm-crb,tpmdev=tpm0");
  }

  for (const controller of definition.controllers) {
    if (!controller.builtin) add("-device", options([["", controller.model], ["id", controller.id]]));
  }

  let sataPort = 0;
  const nextSataPort = (what: string): number => {
    if (sataPort >= SATA_PORTS) throw new VmforgeError("E_SATA_PORTS_EXHAUSTED", `No SATA port left for ${what}: q35 has ${SATA_PORTS}.`, { fix: 'Move some disks to bus = "virtio" or "nvme".' });
    return sataPort++;
  };
  // Media with boot = "first" (an installer) take 1, 2...; the disks' own order moves down behind them.
  const bootsFirst = media.filter((medium) => medium.boot === "first");
  const shifted = (index: number | null): number | null => (index === null ? null : index + bootsFirst.length);
  for (const disk of definition.disks) addDisk(add, { ...disk, bootIndex: shifted(disk.bootIndex) }, disk.bus === "sata" ? nextSataPort(disk.id) : -1);

  const usedBootIndexes = new Set(definition.disks.map((disk) => shifted(disk.bootIndex)).filter((index): index is number => index !== null));
  let nextBoot = Math.max(bootsFirst.length, ...usedBootIndexes) + 1;
  media.forEach((medium, index) => {
    const id = `media${index}`;
    let bootIndex: number | undefined;
    if (medium.boot === "first") bootIndex = bootsFirst.indexOf(medium) + 1;
    else if (medium.bootIndex !== undefined) {
      const wanted = medium.bootIndex + bootsFirst.length;
      bootIndex = usedBootIndexes.has(wanted) ? nextBoot++ : wanted;
      usedBootIndexes.add(bootIndex);
    }
    const readonly = medium.readonly || medium.kind === "cdrom";
    add("-blockdev", options([["driver", "file"], ["filename", medium.path], ["node-name", `${id}-file`], ["read-only", readonly ? "on" : "off"]]));
    add("-blockdev", options([["driver", medium.format], ["file", `${id}-file`], ["node-name", id], ["read-only", readonly ? "on" : "off"]]));
    if (medium.kind === "cdrom") add("-device", options([["", "ide-cd"], ["drive", id], ["bus", `ide.${nextSataPort(id)}`], ["id", `${id}-dev`], ["bootindex", bootIndex]]));
    else add("-device", options([["", "virtio-blk-pci"], ["drive", id], ["id", `${id}-dev`], ["bootindex", bootIndex]]));
  });

  const inheritedTaps: InheritedTap[] = [];
  for (const nic of definition.nics) {
    const tap = nic.mode === "macvtap" ? { fd: 3 + inheritedTaps.length, nicId: nic.id, interfaceName: `mv${definition.uuid.slice(0, 8)}n${nic.index}`, parent: nic.device ?? "", mac: nic.mac } : undefined;
    if (tap) inheritedTaps.push(tap);
    add("-netdev", netdev(nic, tap?.fd));
    add("-device", options([["", nic.model], ["netdev", nic.id], ["id", `${nic.id}-dev`], ["mac", nic.mac]]));
  }

  addHostDevices(add, definition.hostDevices);
  if (definition.lookingGlass) {
    const lg = definition.lookingGlass;
    add("-object", options([["", "memory-backend-file"], ["id", LOOKING_GLASS_ID], ["mem-path", lg.path], ["size", `${lg.sizeMib}M`], ["share", "on"]]));
    add("-device", options([["", "ivshmem-plain"], ["id", `${LOOKING_GLASS_ID}-dev`], ["memdev", LOOKING_GLASS_ID]]));
  }
  for (const input of definition.evdev ?? []) {
    add("-object", options([["", "input-linux"], ["id", input.id], ["evdev", input.path], ["grab_all", input.grabAll ? "on" : undefined], ["repeat", input.repeat ? "on" : undefined], ["grab-toggle", input.grabToggle]]));
  }

  for (const entry of definition.input) {
    if (entry.bus === "usb") add("-device", options([["", entry.type === "tablet" ? "usb-tablet" : entry.type === "keyboard" ? "usb-kbd" : "usb-mouse"], ["bus", "usb.0"]]));
  }
  for (const device of definition.usbDevices) {
    add("-device", options([["", "usb-host"], ["bus", "usb.0"], ["vendorid", `0x${device.vendorId}`], ["productid", `0x${device.productId}`]]));
  }

  addDisplay(add, definition.display);
  if (definition.serial.type === "stdio") add("-serial", "mon:stdio");
  else {
    // A socket server that `vmforge console` (or socat) attaches to at any time, and a log of
    // everything the guest wrote from the first byte, which `vmforge start --wait` follows.
    const log = definition.serial.log;
    add("-chardev", options([["", "socket"], ["id", "serial0"], ["path", definition.serial.path], ["server", "on"], ["wait", "off"], ["logfile", log], ["logappend", log === undefined ? undefined : "off"]]));
    add("-serial", "chardev:serial0");
  }
  if (definition.rng) {
    add("-object", options([["", "rng-random"], ["id", "rng0"], ["filename", definition.rng.source]]));
    add("-device", "virtio-rng-pci,rng=rng0");
  }
  if (definition.guestAgent) {
    add("-chardev", options([["", "socket"], ["id", "qga0"], ["path", definition.guestAgent.socket], ["server", "on"], ["wait", "off"]]));
    add("-device", options([["", "virtserialport"], ["bus", "vser0.0"], ["chardev", "qga0"], ["name", definition.guestAgent.channel]]));
  }
  add("-chardev", options([["", "socket"], ["id", "qmp"], ["path", definition.qmpSocket], ["server", "on"], ["wait", "off"]]));
  add("-mon", "chardev=qmp,mode=control");
  return { argv, inheritedTaps };
}

/** QEMU's name of each enlightenment (hv-<name>), with its value where it takes one. */
function hypervFlags(hyperv: VmHyperv): string[] {
  const flags: string[] = [];
  for (const name of hyperv.enlightenments) {
    if (name === "spinlocks") flags.push(`hv-spinlocks=0x${hyperv.spinlockRetries.toString(16)}`);
    else flags.push(`hv-${name}`);
    if (name === "stimer" && hyperv.stimerDirect) flags.push("hv-stimer-direct");
  }
  if (hyperv.hideHypervisor) flags.push("kvm=off");
  if (hyperv.vendorId !== null) flags.push(`hv-vendor-id=${escapeOptionValue(hyperv.vendorId)}`);
  return flags;
}

/** `-cpu`: the model, then the host's caches and topoext for a pinned guest, then Hyper-V. */
export function cpuOption(cpu: VmDefinition["cpu"]): string {
  const flags = [
    ...(cpu.cachePassthrough ? ["host-cache-info=on"] : []),
    ...(cpu.topoext ? ["topoext=on"] : []),
    ...(cpu.hyperv ? hypervFlags(cpu.hyperv) : []),
  ];
  return [cpu.qemuModel, ...flags].join(",");
}

function addDisk(add: (...args: string[]) => void, disk: VmDisk, sataPort: number): void {
  const readOnly = disk.readonly ? "on" : "off";
  const discard = disk.discard ? "unmap" : "ignore";
  add("-blockdev", options([["driver", "file"], ["filename", disk.path], ["node-name", `${disk.id}-file`], ["read-only", readOnly], ["discard", discard]]));
  add("-blockdev", options([["driver", disk.format], ["file", `${disk.id}-file`], ["node-name", disk.id], ["read-only", readOnly], ["discard", discard]]));
  const common: Array<[string, string | number | null]> = [["drive", disk.id], ["id", `${disk.id}-dev`], ["serial", disk.serial], ["bootindex", disk.bootIndex]];
  switch (disk.bus) {
    case "virtio":
      add("-device", options([["", "virtio-blk-pci"], ...common]));
      break;
    case "nvme":
      add("-device", options([["", "nvme"], ...common]));
      break;
    case "sata":
      add("-device", options([["", "ide-hd"], ["bus", `ide.${sataPort}`], ...common]));
      break;
    case "scsi":
      add("-device", options([["", "scsi-hd"], ["bus", "scsi0.0"], ...common]));
      break;
  }
}

function netdev(nic: VmNic, fd: number | undefined): string {
  switch (nic.mode) {
    case "user":
      return options([
        ["", "user"],
        ["id", nic.id],
        ...nic.forwards.map((rule): [string, string] => ["hostfwd", `${rule.protocol}::${rule.hostPort}-:${rule.guestPort}`]),
      ]);
    case "bridge":
      return options([["", "bridge"], ["id", nic.id], ["br", nic.bridge]]);
    case "tap":
      return options([["", "tap"], ["id", nic.id], ["ifname", nic.tap], ["script", "no"], ["downscript", "no"]]);
    case "macvtap":
      return options([["", "tap"], ["id", nic.id], ["fd", fd]]);
  }
}

/** Each host PCI slot gets its own root port; its functions keep their function numbers there. */
function addHostDevices(add: (...args: string[]) => void, devices: readonly HostDevice[]): void {
  const slots = new Map<string, HostDevice[]>();
  for (const device of devices) {
    const slot = device.address.slice(0, -2);
    slots.set(slot, [...(slots.get(slot) ?? []), device]);
  }
  let port = 0;
  for (const functions of slots.values()) {
    port++;
    const bus = `hostport${port}`;
    add("-device", options([["", "pcie-root-port"], ["id", bus], ["bus", "pcie.0"], ["chassis", 100 + port], ["port", 100 + port]]));
    const multifunction = functions.length > 1 || functions.some((device) => device.multifunction);
    for (const device of functions) {
      const fn = Number(device.address.slice(-1));
      add(
        "-device",
        options([
          ["", "vfio-pci"],
          ["host", device.address],
          ["bus", bus],
          ["addr", `00.${fn}`],
          ["multifunction", multifunction && fn === 0 ? "on" : undefined],
          ["romfile", device.romFile],
          ["x-vga", device.primaryGpu ? "on" : undefined],
        ]),
      );
    }
  }
}

function addDisplay(add: (...args: string[]) => void, display: VmDefinition["display"]): void {
  const listen = display.listen ?? "127.0.0.1";
  const host = listen.includes(":") ? `[${listen}]` : listen;
  switch (display.type) {
    case "none":
      add("-display", "none");
      return;
    case "vnc":
      add("-vnc", display.port === null ? `${host}:0,to=99` : `${host}:${display.port - 5900}`);
      break;
    case "spice":
      add("-spice", options([["addr", listen], ["port", display.port ?? 5930], ["disable-ticketing", "on"]]));
      break;
    case "gtk":
      add("-display", "gtk");
      break;
  }
  if (display.video === "virtio-vga") add("-device", "virtio-vga");
  else if (display.video === "qxl-vga") add("-device", "qxl-vga");
  else if (display.video === "std") add("-device", "VGA");
}
