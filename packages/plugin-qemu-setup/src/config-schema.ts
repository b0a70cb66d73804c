import { z } from "@vmforge/kernel/zod";
import { accelRequests, hugepageSizes, diskBuses, diskFormats, displayTypes, firmwareTypes, networkModes, nicModels, VM_NAME_PATTERN, type UserVmRequest } from "./contract.js";
import { parseSize, SIZE_HINT } from "./size-units.js";
import { resolveImageSpec } from "@vmforge/image-cache";

/*
 * The TOML tables this plugin owns, as the user writes them: strict (an unknown key is an
 * error), with the defaults a user expects. Output = the matching part of user_vm_request.
 */

const MiB = 1024 ** 2;
const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** A user or group name as shadow-utils allows it (useradd's default NAME_REGEX, with . and a trailing $). */
const ACCOUNT_NAME = /^[a-z_][a-z0-9_.-]{0,30}\$?$/;
const CPU_MODEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** q35's limit in QEMU 7.2 (288); later QEMU allows more but libvirt and OVMF stay lower. */
export const MAX_VCPUS = 288;
export const MAX_SATA_DISKS = 6;
/** Host CPU numbers: Linux's NR_CPUS tops out at 8192. */
export const MAX_HOST_CPU = 8191;

function size(options: { min: number; multipleOf?: number; what: string }) {
  return z.string().transform((text, ctx) => {
    const parsed = parseSize(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.message, input: text });
      return z.NEVER;
    }
    if (parsed.bytes < options.min) {
      ctx.addIssue({ code: "custom", message: `${options.what} of ${text} is too small (at least ${options.min / MiB}MiB)`, input: text });
      return z.NEVER;
    }
    if (options.multipleOf && parsed.bytes % options.multipleOf !== 0) {
      ctx.addIssue({ code: "custom", message: `${options.what} must be a whole number of MiB; ${text} is not`, input: text });
      return z.NEVER;
    }
    return parsed.bytes;
  });
}

/** C0 controls, DEL and C1 controls, except those listed (`"\n\t"` for free text). */
function controlCharacterProblem(allowed: string) {
  return (value: string, ctx: z.RefinementCtx): void => {
    for (const character of value) {
      const code = character.codePointAt(0)!;
      if ((code < 0x20 || (code >= 0x7f && code <= 0x9f)) && !allowed.includes(character)) {
        const name = code === 0 ? "NUL" : code === 0x0d ? "a carriage return (CR)" : "a control character";
        ctx.addIssue({ code: "custom", message: `must not contain U+${code.toString(16).toUpperCase().padStart(4, "0")} (${name})${allowed ? "; only newline and tab are allowed" : ""}`, input: value });
        return;
      }
    }
  };
}

// Length rules are refinements, not .min()/.max(): zod 4 runs length checks even on a
// non-string that has a `length` key (a TOML table), and crashes on smol-toml's objects.
const path = z
  .string()
  .refine((value) => value.length > 0, "must not be empty")
  .superRefine(controlCharacterProblem(""));
const interfaceName = z.string().regex(INTERFACE_NAME, "must be a network interface name: 1 to 15 of A-Z a-z 0-9 _ . -");
const usbId = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{4}$/, 'must be four hex digits, e.g. "046d"')
  .transform((value) => value.replace(/^0x/, "").toLowerCase());

export const vmTable = z.strictObject({
  name: z
    .string()
    .regex(VM_NAME_PATTERN, "must start with a-z or 0-9 and hold only a-z, 0-9 and -")
    .refine((name) => name.length <= 63, "must be at most 63 characters"),
  guest: z.string().regex(/^[a-z][a-z0-9-]*$/, "must be a guest plugin's name (a-z, 0-9, -), or none").default("none"),
  description: z
    .string()
    .refine((text) => text.length <= 4096, "must be at most 4096 characters")
    .superRefine(controlCharacterProblem("\n\t"))
    .optional(),
  accel: z.enum(accelRequests).default("auto"),
  guest_agent: z.boolean().default(true),
  rng: z.boolean().default(true),
  run_as: z.string().regex(ACCOUNT_NAME, 'must be a user name, e.g. "alice"').optional(),
});

export const cpuTable = z
  .strictObject({
    sockets: z.number().int().min(1).max(MAX_VCPUS).default(1),
    cores: z.number().int().min(1).max(MAX_VCPUS).default(2),
    threads: z.number().int().min(1).max(MAX_VCPUS).default(1),
    model: z.string().regex(CPU_MODEL, "must be host-passthrough, host-model, max or a QEMU CPU model name (letters, digits, . _ -)").default("host-passthrough"),
    pinning: z
      .union([z.literal("auto"), z.array(z.number().int("must be a host CPU number").min(0, "must be a host CPU number (0 or more)").max(MAX_HOST_CPU, `must be a host CPU number up to ${MAX_HOST_CPU}`))], {
        error: '"auto" or a list of host CPU numbers, one per vCPU',
      })
      .optional(),
    hyperv: z.boolean().optional(),
    hide_hypervisor: z.boolean().optional(),
  })
  .superRefine((cpu, ctx) => {
    // A count that is out of range itself is reported once, at its key, not again as a product.
    if (![cpu.sockets, cpu.cores, cpu.threads].every((count) => Number.isInteger(count) && count >= 1 && count <= MAX_VCPUS)) return;
    const vcpus = cpu.sockets * cpu.cores * cpu.threads;
    if (vcpus > MAX_VCPUS) ctx.addIssue({ code: "custom", path: ["cores"], message: `sockets × cores × threads = ${vcpus} vCPUs; a q35 machine takes at most ${MAX_VCPUS}`, input: cpu.cores });
    pinningIssues(cpu.pinning, vcpus, ctx);
  });

/** An explicit [cpu] pinning list: one host CPU per vCPU, none twice. The host checks the rest. */
function pinningIssues(pinning: "auto" | number[] | undefined, vcpus: number, ctx: z.RefinementCtx): void {
  if (!Array.isArray(pinning)) return;
  const seen = new Map<number, number>();
  pinning.forEach((cpu, index) => {
    const first = seen.get(cpu);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: ["pinning", index], message: `host CPU ${cpu} is listed twice (also at position ${first + 1}); each vCPU needs a CPU of its own`, input: cpu });
    else seen.set(cpu, index);
  });
  if (pinning.length !== vcpus) {
    ctx.addIssue({ code: "custom", path: ["pinning"], message: `${pinning.length} host CPU${pinning.length === 1 ? "" : "s"} listed for ${vcpus} vCPU${vcpus === 1 ? "" : "s"} (sockets × cores × threads); list exactly one per vCPU`, input: pinning });
  }
}

export const memoryTable = z
  .strictObject({
    size: size({ min: 16 * MiB, multipleOf: MiB, what: "memory" }).prefault("2GiB"),
    hugepages: z.boolean().default(false),
    hugepage_size: z.enum(hugepageSizes).optional(),
  })
  .superRefine((memory, ctx) => {
    if (memory.hugepage_size !== undefined && !memory.hugepages) ctx.addIssue({ code: "custom", path: ["hugepage_size"], message: "hugepage_size only applies with hugepages = true", input: memory.hugepage_size });
  });

export const firmwareTable = z
  .strictObject({
    type: z.enum(firmwareTypes).default("uefi"),
    secure_boot: z.boolean().default(false),
    tpm: z.boolean().default(false),
    code: path.optional(),
    vars: path.optional(),
  })
  .superRefine((firmware, ctx) => {
    if (firmware.type !== "bios") return;
    if (firmware.secure_boot) ctx.addIssue({ code: "custom", path: ["secure_boot"], message: 'secure boot needs UEFI firmware: set type = "uefi"', input: true });
    for (const key of ["code", "vars"] as const) {
      if (firmware[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `${key} is an OVMF file and only applies to type = "uefi"`, input: firmware[key] });
    }
  });

export const diskTable = z
  .strictObject({
    size: size({ min: MiB, what: "a disk" }).optional(),
    path: path.optional(),
    backing: path.optional(),
    image: z.string().min(1, "must not be empty").max(4096, "must be at most 4096 characters").optional(),
    sha256: z.string().max(256).optional(),
    sha512: z.string().max(256).optional(),
    checksums: z.string().max(4096).optional(),
    format: z.enum(diskFormats).optional(),
    backing_format: z.enum(diskFormats).optional(),
    bus: z.enum(diskBuses).default("virtio"),
    serial: z.string().regex(/^[A-Za-z0-9._-]{1,20}$/, "must be 1 to 20 of A-Z a-z 0-9 . _ -").optional(),
    boot_order: z.number().int().min(1).max(999).optional(),
    readonly: z.boolean().default(false),
    discard: z.boolean().default(true),
  })
  .superRefine((disk, ctx) => {
    if (disk.size === undefined && disk.path === undefined && disk.backing === undefined && disk.image === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "a disk needs size (a new image), path (an existing image), backing (a new overlay on a base image) or image (a downloaded base image)", input: disk });
    }
    imageIssues(disk, ctx);
    if (disk.backing_format !== undefined && disk.backing === undefined && disk.image === undefined) {
      ctx.addIssue({ code: "custom", path: ["backing_format"], message: "backing_format only applies with backing or image", input: disk.backing_format });
    }
    if (disk.backing !== undefined && disk.format === "raw") {
      ctx.addIssue({ code: "custom", path: ["format"], message: 'an overlay on a backing image must be qcow2 (format = "qcow2")', input: "raw" });
    }
  });

/** `image` with its checksum keys: a catalogue name or an http(s) URL with one checksum; never beside path or backing. */
function imageIssues(disk: { image?: string; path?: string; backing?: string; format?: string; sha256?: string; sha512?: string; checksums?: string }, ctx: z.RefinementCtx): void {
  if (disk.image === undefined) {
    for (const key of ["sha256", "sha512", "checksums"] as const) {
      if (disk[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `${key} only applies with image (it checks a downloaded image)`, input: disk[key] });
    }
    return;
  }
  for (const key of ["path", "backing"] as const) {
    if (disk[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `image and ${key} exclude each other: an image disk is a new overlay on the downloaded image`, input: disk[key] });
  }
  if (disk.format === "raw") ctx.addIssue({ code: "custom", path: ["format"], message: 'an image disk is a qcow2 overlay on the downloaded image (format = "qcow2")', input: "raw" });
  const resolved = resolveImageSpec({ image: disk.image, ...pick(disk, ["sha256", "sha512", "checksums"]) });
  if (!resolved.ok) {
    for (const problem of resolved.problems) {
      ctx.addIssue({ code: "custom", path: [problem.key], message: `${problem.message}${problem.fix ? ` (${problem.fix})` : ""}`, input: disk[problem.key] });
    }
  }
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]])) as Partial<Pick<T, K>>;
}

const forward = z
  .string()
  .regex(/^(?:(tcp|udp):)?(\d{1,5}):(\d{1,5})$/, 'must look like "tcp:2222:22" (protocol:host port:guest port)')
  .refine((value) => value.split(":").slice(-2).every((port) => Number(port) >= 1 && Number(port) <= 65535), "ports must be 1 to 65535");

export const networkTable = z
  .strictObject({
    mode: z.enum(networkModes).default("user"),
    bridge: interfaceName.optional(),
    tap: interfaceName.optional(),
    device: interfaceName.optional(),
    mac: z
      .string()
      .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'must look like "52:54:00:12:34:56"')
      .transform((mac) => mac.toLowerCase())
      .refine((mac) => (parseInt(mac.slice(0, 2), 16) & 1) === 0, "must be a unicast address (the first byte must be even)")
      .optional(),
    model: z.enum(nicModels).default("virtio"),
    forward: z.array(forward).default([]),
  })
  .superRefine((nic, ctx) => {
    const needs: Record<string, "bridge" | "device" | undefined> = { bridge: "bridge", macvtap: "device" };
    const required = needs[nic.mode];
    if (required && nic[required] === undefined) {
      ctx.addIssue({ code: "custom", path: [required], message: `mode = "${nic.mode}" needs ${required} = "..." (the host ${required === "bridge" ? "bridge, e.g. br0" : "interface, e.g. eth0"})`, input: undefined });
    }
    const onlyFor: Array<["bridge" | "tap" | "device", string]> = [["bridge", "bridge"], ["tap", "tap"], ["device", "macvtap"]];
    for (const [key, mode] of onlyFor) {
      if (nic[key] !== undefined && nic.mode !== mode) ctx.addIssue({ code: "custom", path: [key], message: `${key} only applies to mode = "${mode}"`, input: nic[key] });
    }
    if (nic.forward.length > 0 && nic.mode !== "user") ctx.addIssue({ code: "custom", path: ["forward"], message: 'forward only applies to mode = "user"', input: nic.forward });
  });

export const passthroughTable = z
  .strictObject({
    address: z
      .string()
      .regex(/^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/, 'must be a PCI address like "0000:01:00.0" or "01:00.0"')
      .transform((address) => (address.length === 7 ? `0000:${address}` : address).toLowerCase())
      .optional(),
    ids: z
      .string()
      .regex(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/, 'must be vendor:device ids like "10de:2484"')
      .transform((ids) => ids.toLowerCase())
      .optional(),
    allow_host_gpu: z.boolean().default(false),
    rom_file: path.optional(),
  })
  .superRefine((device, ctx) => {
    if ((device.address === undefined) === (device.ids === undefined)) {
      ctx.addIssue({ code: "custom", path: [], message: 'a passthrough device needs exactly one of address = "0000:01:00.0" or ids = "10de:2484"', input: device });
    }
  });

export const displayTable = z
  .strictObject({
    type: z.enum(displayTypes).default("none"),
    listen: z.string().regex(/^[0-9A-Fa-f:.]+$|^localhost$/, "must be an IP address such as 127.0.0.1 or ::1").default("127.0.0.1"),
    port: z.number().int().min(1).max(65535).optional(),
  })
  .superRefine((display, ctx) => {
    if (display.port === undefined) return;
    if (display.type !== "vnc" && display.type !== "spice") ctx.addIssue({ code: "custom", path: ["port"], message: 'port only applies to type = "vnc" or "spice"', input: display.port });
    else if (display.type === "vnc" && display.port < 5900) ctx.addIssue({ code: "custom", path: ["port"], message: "a VNC port is 5900 or above (display :0 = 5900)", input: display.port });
  });

export const usbDeviceTable = z.strictObject({ vendor: usbId, product: usbId });

export const usbTable = z.strictObject({
  tablet: z.boolean().optional(),
  devices: z.array(usbDeviceTable).default([]),
});

/** [[cdrom]]: an installer or driver ISO, attached read-only through session.guest_media. */
export const cdromTable = z.strictObject({
  path,
  boot: z.boolean().default(false),
});

/** Looking Glass copies frames of at most 16K (15360 × 8640); more is a typo, not a display. */
export const MAX_LOOKING_GLASS_WIDTH = 15360;
export const MAX_LOOKING_GLASS_HEIGHT = 8640;

/** [looking_glass]: an IVSHMEM device the Looking Glass host application in the guest writes frames to. */
export const lookingGlassTable = z.strictObject({
  width: z.number().int("must be a whole number of pixels").min(1, "must be at least 1 pixel").max(MAX_LOOKING_GLASS_WIDTH, `must be at most ${MAX_LOOKING_GLASS_WIDTH} pixels (16K)`),
  height: z.number().int("must be a whole number of pixels").min(1, "must be at least 1 pixel").max(MAX_LOOKING_GLASS_HEIGHT, `must be at most ${MAX_LOOKING_GLASS_HEIGHT} pixels (16K)`),
  owner: z.string().regex(ACCOUNT_NAME, 'must be a user name, e.g. "alice"').optional(),
  group: z.string().regex(ACCOUNT_NAME, 'must be a group name, e.g. "kvm"').optional(),
  mode: z
    .string()
    .regex(/^0?[0-7]{3}$/, 'must be octal permission bits, e.g. "0660"')
    .transform((mode) => mode.padStart(4, "0"))
    .refine((mode) => (Number.parseInt(mode, 8) & 0o600) === 0o600, "must let the owner read and write (QEMU and the Looking Glass client both map it), e.g. \"0660\"")
    .refine((mode) => (Number.parseInt(mode, 8) & 0o007) === 0, "must give others no access: the guest's screen is in it; use a group instead, e.g. \"0660\"")
    .default("0660"),
});

/** Where [[input]] evdev may point: the kernel's input devices, nothing else. */
export const EVDEV_PREFIX = "/dev/input/";

/** [[input]]: a host keyboard or mouse handed to the guest through evdev. */
export const inputTable = z.strictObject({
  evdev: path
    .refine((value) => value.startsWith(EVDEV_PREFIX) && value.length > EVDEV_PREFIX.length, `must be a device below ${EVDEV_PREFIX}, e.g. "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd"`)
    .refine((value) => !value.split("/").some((part) => part === ".." || part === "."), "must not contain . or .. (it must stay below /dev/input/)")
    .refine((value) => /^[A-Za-z0-9_.:@+\/=-]+$/.test(value), "must hold only A-Z a-z 0-9 _ . : @ + - = / (as udev names input devices)")
    .refine((value) => value.length <= 255, "must be at most 255 characters"),
  grab_all: z.boolean().default(false),
  repeat: z.boolean().default(false),
  grab_toggle: z.enum(["ctrl-ctrl", "alt-alt", "shift-shift", "meta-meta", "scrolllock", "ctrl-scrolllock"]).optional(),
});

export const outputTable = z.strictObject({
  libvirt_xml: z.boolean().default(false),
  /** Absent = false; optional so that requests made before the key existed stay valid. */
  kubevirt: z.boolean().optional(),
});

/** Each table this plugin owns and its schema; absent tables get their defaults. */
export const qemuTableSchemas = {
  vm: vmTable,
  cpu: cpuTable.prefault({}),
  memory: memoryTable.prefault({}),
  firmware: firmwareTable.prefault({}),
  disk: z.array(diskTable).default([]),
  /** Absent: one user-mode NIC. `network = []`: none. */
  network: z.array(networkTable).prefault([{}]),
  passthrough: z.array(passthroughTable).default([]),
  cdrom: z.array(cdromTable).default([]),
  display: displayTable.prefault({}),
  usb: usbTable.prefault({}),
  output: outputTable.prefault({}),
  looking_glass: lookingGlassTable.optional(),
  input: z.array(inputTable).optional(),
} as const;

export type QemuTable = keyof typeof qemuTableSchemas;
export const QEMU_TABLES = Object.keys(qemuTableSchemas) as QemuTable[];

/** All tables at once: the schema the manifest declares (`config.schema`). */
export const qemuTablesSchema = z.object(qemuTableSchemas);
export type QemuTables = z.output<typeof qemuTablesSchema>;

// The output of the tables must be exactly the request minus what the loader adds.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
// Not exported: a compile-time check only.
const tablesMatchRequest: Same<QemuTables, Omit<UserVmRequest, "source" | "extensions">> = true;

const enumText = (values: readonly string[]) => values.map((value) => `"${value}"`).join(" | ");

/** What a key accepts, in the words of the README. `[]` stands for any array index. */
export const ALLOWED: Record<string, string> = {
  vm: "a table [vm] with at least name",
  "vm.name": '[a-z0-9][a-z0-9-]*, at most 63 characters, e.g. "web-1"',
  "vm.guest": '"none" or the name of a guest plugin, e.g. "linux"',
  "vm.description": "a string of at most 4096 characters (newlines and tabs allowed, no other control characters)",
  "vm.accel": enumText(accelRequests),
  "vm.guest_agent": "true | false",
  "vm.rng": "true | false",
  "vm.run_as": 'the user who runs launch.sh (QEMU), e.g. "alice" (default: the user running vmforge)',
  cpu: "a table [cpu]",
  "cpu.sockets": `an integer from 1 to ${MAX_VCPUS}`,
  "cpu.cores": `an integer from 1 to ${MAX_VCPUS} (sockets × cores × threads ≤ ${MAX_VCPUS})`,
  "cpu.threads": `an integer from 1 to ${MAX_VCPUS}`,
  "cpu.model": '"host-passthrough" | "host-model" | "max" | a QEMU CPU model such as "Skylake-Client"',
  "cpu.pinning": '"auto" or a list of host CPU numbers, one per vCPU in order, e.g. [2, 10, 3, 11]',
  "cpu.pinning[]": `a host CPU number from 0 to ${MAX_HOST_CPU}, each at most once`,
  "cpu.hyperv": 'true | false (default: true for guest = "windows")',
  "cpu.hide_hypervisor": "true | false",
  memory: "a table [memory]",
  "memory.size": `${SIZE_HINT}, at least 16MiB, whole MiB`,
  "memory.hugepages": "true | false",
  "memory.hugepage_size": '"2MiB" | "1GiB" (default: 1GiB when the host has enough free 1 GiB pages and size is a whole number of GiB, else 2MiB)',
  firmware: "a table [firmware]",
  "firmware.type": enumText(firmwareTypes),
  "firmware.secure_boot": "true | false (uefi only)",
  "firmware.tpm": "true | false",
  "firmware.code": "a path to an OVMF code image",
  "firmware.vars": "a path to an OVMF vars template",
  disk: "an array of tables: [[disk]] for each disk",
  "disk[]": "a table with size, path, backing or image",
  "disk[].size": `${SIZE_HINT}, at least 1MiB`,
  "disk[].path": "a file path (relative to this file's folder)",
  "disk[].backing": "a file path to a base image (relative to this file's folder)",
  "disk[].image": 'a catalogue image ("debian-12", "debian-13", "ubuntu-24.04", "fedora-42") or an https:// URL with sha256, sha512 or checksums: downloaded once, verified, the base of a new overlay',
  "disk[].sha256": "64 hex digits: the checksum of an image URL",
  "disk[].sha512": "128 hex digits: the checksum of an image URL",
  "disk[].checksums": "the https:// URL of a checksum file (SHA256SUMS, SHA512SUMS, CHECKSUM) that lists an image URL's file name",
  "disk[].format": enumText(diskFormats),
  "disk[].backing_format": enumText(diskFormats),
  "disk[].bus": enumText(diskBuses),
  "disk[].serial": "1 to 20 of A-Z a-z 0-9 . _ -",
  "disk[].boot_order": "an integer from 1 to 999 (1 boots first)",
  "disk[].readonly": "true | false",
  "disk[].discard": "true | false",
  network: "an array of tables: [[network]] for each NIC",
  "network[]": "a table with mode",
  "network[].mode": enumText(networkModes),
  "network[].bridge": 'a host bridge name, e.g. "br0"',
  "network[].tap": 'a tap interface name, e.g. "tap0"',
  "network[].device": 'a host interface for macvtap, e.g. "eth0"',
  "network[].mac": 'a unicast MAC address, e.g. "52:54:00:12:34:56"',
  "network[].model": enumText(nicModels),
  "network[].forward": 'an array like ["tcp:2222:22"]',
  "network[].forward[]": '"tcp:HOSTPORT:GUESTPORT" or "udp:HOSTPORT:GUESTPORT"',
  passthrough: "an array of tables: [[passthrough]] for each device",
  "passthrough[]": "a table with address or ids",
  "passthrough[].address": 'a PCI address, e.g. "0000:01:00.0"',
  "passthrough[].ids": 'vendor:device, e.g. "10de:2484"',
  "passthrough[].allow_host_gpu": "true | false",
  "passthrough[].rom_file": "a path to a ROM image",
  cdrom: "an array of tables: [[cdrom]] for each ISO image (an installer, drivers)",
  "cdrom[]": "a table with path and, optionally, boot",
  "cdrom[].path": "a path to an ISO image (relative to this file's folder)",
  "cdrom[].boot": "true | false (true: boot from it before the disks, e.g. an installer)",
  display: "a table [display]",
  "display.type": enumText(displayTypes),
  "display.listen": 'an IP address, e.g. "127.0.0.1"',
  "display.port": "an integer port (VNC: 5900 and above)",
  usb: "a table [usb]",
  "usb.tablet": "true | false",
  "usb.devices": 'an array like [{ vendor = "046d", product = "c52b" }]',
  "usb.devices[]": '{ vendor = "046d", product = "c52b" }',
  "usb.devices[].vendor": 'four hex digits, e.g. "046d"',
  "usb.devices[].product": 'four hex digits, e.g. "c52b"',
  output: "a table [output]",
  "output.libvirt_xml": "true | false",
  "output.kubevirt": "true | false",
  looking_glass: "a table [looking_glass] with width and height",
  "looking_glass.width": `the guest's widest resolution in pixels, 1 to ${MAX_LOOKING_GLASS_WIDTH}, e.g. 2560`,
  "looking_glass.height": `the guest's tallest resolution in pixels, 1 to ${MAX_LOOKING_GLASS_HEIGHT}, e.g. 1440`,
  "looking_glass.owner": 'a user name, e.g. "alice" (default: the user QEMU runs as)',
  "looking_glass.group": 'a group name, e.g. "kvm"',
  "looking_glass.mode": 'octal permission bits with owner read and write and nothing for others, e.g. "0660"',
  input: "an array of tables: [[input]] for each evdev keyboard or mouse",
  "input[]": "a table with evdev",
  "input[].evdev": 'a device below /dev/input/, e.g. "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd"',
  "input[].grab_all": "true | false",
  "input[].repeat": "true | false",
  "input[].grab_toggle": '"ctrl-ctrl" | "alt-alt" | "shift-shift" | "meta-meta" | "scrolllock" | "ctrl-scrolllock"',
};
