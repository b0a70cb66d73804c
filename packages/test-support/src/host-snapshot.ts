import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeDebianOvmf } from "./ovmf.js";

/**
 * Turns a host capture from `fixtures/hosts/<case>/` (text people published: IOMMU
 * group listings in lspci -nns form, `lspci -nnk`, /proc/cmdline, /proc/cpuinfo) into a
 * snapshot tree that a `HostRoot` (`--host-root`) reads like the machine:
 *
 *   sys/bus/pci/devices/<addr>            -> ../../../devices/pci0000:00/<addr>
 *   sys/devices/pci0000:00/<addr>/{uevent,vendor,device,class,subsystem_*,boot_vga,numa_node}
 *   sys/devices/pci0000:00/<addr>/iommu_group -> ../../../kernel/iommu_groups/<n>
 *   sys/devices/pci0000:00/<addr>/driver      -> ../../../bus/pci/drivers/<driver>
 *   sys/devices/pci0000:00/<addr>/driver_override, sys/bus/pci/drivers/<driver>/{bind,unbind},
 *   sys/bus/pci/drivers_probe (the attributes binding writes)
 *   sys/kernel/iommu_groups/<n>/devices/<addr> -> ../../../../devices/pci0000:00/<addr>
 *   proc/{cmdline,cpuinfo,meminfo,modules}, dev/kvm, sys/module/..., usr/share/misc/pci.ids
 *
 * Captures lack many facts (no meminfo, no os-release, no /dev/kvm listing anywhere). Those are
 * filled with plausible bare-metal defaults, each listed in `notes`; options override them.
 */
export interface CaptureSnapshotOptions {
  /** Address (`0000:00:02.0` or `00:02.0`) of the boot GPU, or null for none. Default: see {@link defaultBootVga}. */
  bootVga?: string | null;
  /** A subfolder of the case (e.g. `later-1835f25`) whose files replace the case's own. */
  variant?: string;
  /** /proc/cmdline to use instead of the capture's or the default. */
  cmdline?: string;
  /** /proc/cpuinfo text to use instead of the capture's or the default. */
  cpuinfo?: string;
  /** Whether /dev/kvm and the kvm modules exist. Default: when the CPU flags offer vmx or svm. */
  kvm?: boolean;
  /**
   * OVMF as Debian 12's `ovmf` package installs it: with QEMU's firmware descriptors (the
   * default), by file names only (an older or hand-made install), or none at all.
   */
  ovmf?: "debian-descriptors" | "file-names" | "none";
  /**
   * `lscpu -e` text (columns CPU NODE SOCKET CORE L1d:L1i:L2:L3 ONLINE) to use instead of the
   * capture's `lscpu-e.txt`: written as /sys/devices/system/cpu/cpuN/{topology,cache/index3} and
   * /sys/devices/system/node/nodeN/cpulist. Without either, no topology files are written.
   */
  lscpu?: string;
  /** `numa_node` of PCI devices by address (`0000:3b:00.0` or `3b:00.0`); others get -1. */
  pciNuma?: Record<string, number>;
  /** More host files, written last (so they replace defaults): `{ "/proc/meminfo": "..." }`. */
  files?: Record<string, string>;
}

export interface CapturedDevice {
  /** Full address, `0000:01:00.0`. */
  address: string;
  classCode: string;
  className: string;
  vendorId: string;
  deviceId: string;
  /** The text after the class, without ids and revision: `NVIDIA Corporation GP108 [GeForce GT 1030]`. */
  description: string;
  group: number | null;
  driver: string | null;
  subsystem: { vendorId: string; deviceId: string } | null;
}

export interface CaptureSnapshot {
  /** The snapshot folder: pass it as `hostRoot`. */
  root: string;
  devices: CapturedDevice[];
  /** The IOMMU groups, or null when the capture shows the IOMMU off (`IOMMU Group *`). */
  groups: Array<{ id: number; devices: string[] }> | null;
  bootVga: string | null;
  /** Facts the capture lacked and the defaults put in their place. */
  notes: string[];
}

const DEVICE_LINE = /^\s*(?:IOMMU [Gg]roup (\S+?):?\s+)?((?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.+?) \[([0-9a-f]{4})\]: (.*)$/;
const GROUP_HEADER = /^IOMMU [Gg]roup (\S+?):?\s*$/;

const fullAddress = (address: string): string => (address.length === 7 ? `0000:${address}` : address).toLowerCase();

function parseDeviceText(rest: string): { vendorId: string; deviceId: string; description: string } {
  const ids = rest.match(/\[([0-9a-f]{4}):([0-9a-f]{4})\](?:\s*\(rev [0-9a-f]+\))?\s*$/);
  if (ids) return { vendorId: ids[1]!, deviceId: ids[2]!, description: rest.slice(0, ids.index).trim() };
  // A line cut short in the source: `... [1002:a...`. The vendor survives, the device id does not.
  const cut = rest.match(/\[([0-9a-f]{4}):[0-9a-f.]*$/);
  return { vendorId: cut?.[1] ?? "ffff", deviceId: "0000", description: (cut ? rest.slice(0, cut.index) : rest).trim() };
}

/**
 * Parses the IOMMU listings people post: `IOMMU Group N <lspci -nns line>` on one line, or an
 * `IOMMU Group N:` / `IOMMU group N` header followed by indented lspci lines. Shell prompts,
 * continuation lines and command lines in between are skipped. `IOMMU Group *` is what the
 * usual script prints when /sys/kernel/iommu_groups is empty: the IOMMU is off.
 */
export function parseIommuGroupListing(text: string): { devices: CapturedDevice[]; groups: Array<{ id: number; devices: string[] }> | null } {
  const devices: CapturedDevice[] = [];
  let current: number | null = null;
  let iommuOff = false;
  for (const line of text.split("\n")) {
    const header = line.match(GROUP_HEADER);
    if (header) {
      if (header[1] === "*") iommuOff = true;
      current = /^\d+$/.test(header[1]!) ? Number(header[1]) : null;
      continue;
    }
    const match = line.match(DEVICE_LINE);
    if (!match) continue;
    if (match[1] !== undefined) {
      if (match[1] === "*") iommuOff = true;
      current = /^\d+$/.test(match[1]) ? Number(match[1]) : null;
    }
    const { vendorId, deviceId, description } = parseDeviceText(match[5]!);
    devices.push({
      address: fullAddress(match[2]!),
      className: match[3]!,
      classCode: `${match[4]!}00`,
      vendorId,
      deviceId,
      description,
      group: iommuOff ? null : current,
      driver: null,
      subsystem: null,
    });
  }
  if (iommuOff || devices.every((device) => device.group === null)) return { devices, groups: null };
  const byGroup = new Map<number, string[]>();
  for (const device of devices) {
    if (device.group === null) continue;
    byGroup.set(device.group, [...(byGroup.get(device.group) ?? []), device.address]);
  }
  const groups = [...byGroup].map(([id, members]) => ({ id, devices: members.sort() })).sort((a, b) => a.id - b.id);
  return { devices, groups };
}

/** `lspci -nnk`: the device lines with their `Subsystem:` and `Kernel driver in use:` lines. */
export function parseLspciNnk(text: string): CapturedDevice[] {
  const devices: CapturedDevice[] = [];
  for (const line of text.split("\n")) {
    const match = line.match(/^((?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.+?) \[([0-9a-f]{4})\]: (.*)$/);
    if (match) {
      const { vendorId, deviceId, description } = parseDeviceText(match[4]!);
      devices.push({ address: fullAddress(match[1]!), className: match[2]!, classCode: `${match[3]!}00`, vendorId, deviceId, description, group: null, driver: null, subsystem: null });
      continue;
    }
    const last = devices[devices.length - 1];
    if (!last || !/^\s/.test(line)) continue;
    const driver = line.match(/^\s+Kernel driver in use: (\S+)/);
    if (driver) last.driver = driver[1]!;
    const subsystem = line.match(/^\s+Subsystem: .*\[([0-9a-f]{4}):([0-9a-f]{4})\]\s*$/);
    if (subsystem) last.subsystem = { vendorId: subsystem[1]!, deviceId: subsystem[2]! };
  }
  return devices;
}

const GUEST_DRIVERS = new Set(["vfio-pci", "pci-stub"]);
const slotOf = (address: string): string => address.slice(0, address.lastIndexOf("."));

/**
 * The boot GPU a capture does not name: among display devices not handed to vfio-pci, an
 * integrated one (on bus 00, or sharing its slot with another vendor's functions, as an APU
 * does) if there is one, else the lowest address. Pass `bootVga` where a SOURCE.md says otherwise.
 */
export function defaultBootVga(devices: readonly CapturedDevice[]): string | null {
  const displays = devices.filter((device) => device.classCode.startsWith("03") && !(device.driver && GUEST_DRIVERS.has(device.driver))).sort((a, b) => a.address.localeCompare(b.address));
  const integrated = displays.find(
    (display) => display.address.slice(5, 7) === "00" || devices.some((other) => slotOf(other.address) === slotOf(display.address) && other.vendorId !== display.vendorId),
  );
  return (integrated ?? displays[0])?.address ?? null;
}

/** Vendor names as pci.ids spells them, to split `<vendor> <device>` descriptions. */
const VENDOR_NAMES: Record<string, string> = {
  "8086": "Intel Corporation",
  "10de": "NVIDIA Corporation",
  "1002": "Advanced Micro Devices, Inc. [AMD/ATI]",
  "1022": "Advanced Micro Devices, Inc. [AMD]",
  "10ec": "Realtek Semiconductor Co., Ltd.",
  "1b21": "ASMedia Technology Inc.",
  "144d": "Samsung Electronics Co Ltd",
  "15b7": "Sandisk Corp",
  "1987": "Phison Electronics Corporation",
  "1cc1": "ADATA Technology Co., Ltd.",
  "168c": "Qualcomm Atheros",
  "1969": "Qualcomm Atheros",
  "1180": "Ricoh Co Ltd",
};

function splitName(device: CapturedDevice): { vendor: string; device: string } {
  const vendor = VENDOR_NAMES[device.vendorId];
  if (vendor && device.description.startsWith(`${vendor} `)) return { vendor, device: device.description.slice(vendor.length + 1) };
  const [first, ...rest] = device.description.split(" ");
  return { vendor: first ?? device.vendorId, device: rest.join(" ") || device.description };
}

/** A pci.ids with just the vendors, devices and classes of the capture. */
function miniPciIds(devices: readonly CapturedDevice[]): string {
  const vendors = new Map<string, { name: string; devices: Map<string, string> }>();
  const classes = new Map<string, Map<string, string>>();
  for (const device of devices) {
    const names = splitName(device);
    const vendor = vendors.get(device.vendorId) ?? { name: names.vendor, devices: new Map<string, string>() };
    if (device.deviceId !== "0000") vendor.devices.set(device.deviceId, names.device);
    vendors.set(device.vendorId, vendor);
    const base = classes.get(device.classCode.slice(0, 2)) ?? new Map<string, string>();
    base.set(device.classCode.slice(2, 4), device.className);
    classes.set(device.classCode.slice(0, 2), base);
  }
  const lines = ["# pci.ids written by @vmforge/test-support from a host capture"];
  for (const [id, vendor] of [...vendors].sort()) {
    lines.push(`${id}  ${vendor.name}`);
    for (const [deviceId, name] of [...vendor.devices].sort()) lines.push(`\t${deviceId}  ${name}`);
  }
  for (const [base, subclasses] of [...classes].sort()) {
    lines.push(`C ${base}  ${[...subclasses.values()][0]}`);
    for (const [sub, name] of [...subclasses].sort()) lines.push(`\t${sub}  ${name}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Default /proc/cpuinfo for a capture without one: a 4-core/8-thread CPU of the platform's vendor, bare metal. */
function defaultCpuinfo(vendor: "intel" | "amd"): string {
  const intel = vendor === "intel";
  const flags = intel
    ? "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx pdpe1gb rdtscp lm constant_tsc pni pclmulqdq vmx ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm abm tpr_shadow vnmi flexpriority ept vpid fsgsbase bmi1 avx2 smep bmi2 erms invpcid xsaveopt"
    : "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc pni pclmulqdq monitor ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a fsgsbase bmi1 avx2 smep bmi2 rdseed adx smap clflushopt sha_ni xsaveopt npt lbrv svm_lock nrip_save vmcb_clean flushbyasid decodeassists pausefilter pfthreshold avic";
  const blocks: string[] = [];
  for (let processor = 0; processor < 8; processor++) {
    blocks.push(
      [
        `processor\t: ${processor}`,
        `vendor_id\t: ${intel ? "GenuineIntel" : "AuthenticAMD"}`,
        `cpu family\t: ${intel ? 6 : 23}`,
        `model name\t: ${intel ? "Intel(R) Core(TM) CPU (default: the capture has no /proc/cpuinfo)" : "AMD Ryzen CPU (default: the capture has no /proc/cpuinfo)"}`,
        "physical id\t: 0",
        "siblings\t: 8",
        `core id\t\t: ${processor % 4}`,
        "cpu cores\t: 4",
        `flags\t\t: ${flags}`,
        "",
      ].join("\n"),
    );
  }
  return `${blocks.join("\n")}\n`;
}

const DEFAULT_MEMINFO = "MemTotal:       16318412 kB\nMemFree:        12011232 kB\nMemAvailable:   14203420 kB\nHugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n";
const DEFAULT_CMDLINE = "BOOT_IMAGE=/boot/vmlinuz-6.8.0-generic root=/dev/nvme0n1p2 ro quiet splash";
const DEFAULT_OS_RELEASE = 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 22.04 LTS (default: the capture has no /etc/os-release)"\n';

/** The case's file, or the variant's copy of it when the variant has one. */
function captureFile(caseDir: string, name: string, variant: string | undefined): string | undefined {
  for (const path of [variant ? join(caseDir, variant, name) : undefined, join(caseDir, name)]) {
    if (path && existsSync(path)) return readFileSync(path, "utf8");
  }
  return undefined;
}

/** The last line of a capture that is not a shell prompt: the output of `cat /proc/cmdline`. */
function lastOutputLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/[$>#]\s*cat\b/.test(line))
    .pop();
}

async function put(root: string, hostPath: string, content: string): Promise<void> {
  const path = join(root, hostPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

async function link(root: string, hostPath: string, target: string): Promise<void> {
  const path = join(root, hostPath);
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, path);
}

/** One row of `lscpu -e`. */
export interface LscpuRow {
  cpu: number;
  node: number | null;
  socket: number;
  core: number;
  /** The last id of the L1d:L1i:L2:L3 column (null without an L3 column). */
  l3: number | null;
  online: boolean;
}

/**
 * `lscpu -e` (or `--extended`) as people post it: a header line naming the columns, then one
 * row per logical CPU. The ONLINE column may be localized (`yes`, `si`, `да`); `no` is offline.
 */
export function parseLscpuExtended(text: string): LscpuRow[] {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  const headerAt = lines.findIndex((line) => /^CPU\s+/.test(line));
  if (headerAt < 0) throw new Error("lscpu -e text without its CPU ... header line");
  const columns = lines[headerAt]!.split(/\s+/);
  const at = (name: string) => columns.findIndex((column) => column === name || column.startsWith(`${name}:`) || column.includes(name));
  const [cpuAt, nodeAt, socketAt, coreAt, cacheAt, onlineAt] = [at("CPU"), at("NODE"), at("SOCKET"), at("CORE"), at("L1d"), at("ONLINE")];
  const rows: LscpuRow[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    const cells = line.split(/\s+/);
    if (!/^\d+$/.test(cells[cpuAt] ?? "")) continue;
    const caches = cacheAt >= 0 ? (cells[cacheAt] ?? "").split(":") : [];
    const l3 = columns[cacheAt]?.split(":").length === 4 && caches.length === 4 ? Number(caches[3]) : null;
    rows.push({
      cpu: Number(cells[cpuAt]),
      node: nodeAt >= 0 && /^\d+$/.test(cells[nodeAt] ?? "") ? Number(cells[nodeAt]) : null,
      socket: Number(cells[socketAt] ?? 0),
      core: Number(cells[coreAt] ?? cells[cpuAt]),
      l3: l3 !== null && Number.isFinite(l3) ? l3 : null,
      online: onlineAt < 0 || !/^(no|nein|non|нет)$/i.test(cells[onlineAt] ?? ""),
    });
  }
  return rows;
}

const cpuList = (cpus: readonly number[]): string => {
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    parts.push(end === index ? `${sorted[index]}` : `${sorted[index]}-${sorted[end]}`);
    index = end + 1;
  }
  return parts.join(",");
};

/** The sysfs files the kernel has for the rows: topology, the L3 cache (index3), NUMA nodes. */
async function writeTopology(outDir: string, rows: readonly LscpuRow[]): Promise<void> {
  const cpus = (keep: (row: LscpuRow) => boolean) => rows.filter(keep).map((row) => row.cpu);
  for (const row of rows) {
    const dir = `/sys/devices/system/cpu/cpu${row.cpu}`;
    if (row.cpu !== 0) await put(outDir, `${dir}/online`, row.online ? "1\n" : "0\n");
    if (!row.online) continue;
    await put(outDir, `${dir}/topology/core_id`, `${row.core}\n`);
    await put(outDir, `${dir}/topology/physical_package_id`, `${row.socket}\n`);
    await put(outDir, `${dir}/topology/die_id`, "0\n");
    await put(outDir, `${dir}/topology/thread_siblings_list`, `${cpuList(cpus((other) => other.online && other.socket === row.socket && other.core === row.core))}\n`);
    if (row.l3 !== null) {
      await put(outDir, `${dir}/cache/index3/level`, "3\n");
      await put(outDir, `${dir}/cache/index3/shared_cpu_list`, `${cpuList(cpus((other) => other.online && other.l3 === row.l3))}\n`);
    }
  }
  const nodes = [...new Set(rows.map((row) => row.node).filter((node): node is number => node !== null))].sort((a, b) => a - b);
  for (const node of nodes) await put(outDir, `/sys/devices/system/node/node${node}/cpulist`, `${cpuList(cpus((row) => row.online && row.node === node))}\n`);
}

/** Writes the snapshot tree of a capture into `outDir` (emptied first). */
export async function snapshotFromCapture(caseDir: string, outDir: string, options: CaptureSnapshotOptions = {}): Promise<CaptureSnapshot> {
  const notes: string[] = [];
  const listing = captureFile(caseDir, "iommu_groups.txt", options.variant);
  const lspci = captureFile(caseDir, "lspci-nnk.txt", options.variant);
  const parsed = listing ? parseIommuGroupListing(listing) : { devices: [], groups: [] };
  const devices = new Map(parsed.devices.map((device) => [device.address, device]));
  for (const device of lspci ? parseLspciNnk(lspci) : []) {
    const known = devices.get(device.address);
    if (known) {
      known.driver = device.driver;
      known.subsystem = device.subsystem;
    } else {
      devices.set(device.address, device);
    }
  }
  const all = [...devices.values()].sort((a, b) => a.address.localeCompare(b.address));
  if (!lspci && all.length) notes.push("no lspci -nnk: every device is unbound (no driver)");

  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, "sys/kernel/iommu_groups"), { recursive: true });

  const pciNuma = new Map(Object.entries(options.pciNuma ?? {}).map(([address, node]) => [fullAddress(address), node]));
  const bootVga = options.bootVga === undefined ? defaultBootVga(all) : options.bootVga === null ? null : fullAddress(options.bootVga);
  if (options.bootVga === undefined && bootVga) notes.push(`boot_vga=1 on ${bootVga} (default choice)`);
  for (const device of all) {
    const dir = `/sys/devices/pci0000:00/${device.address}`;
    await link(outDir, `/sys/bus/pci/devices/${device.address}`, `../../..${dir.slice(4)}`);
    await put(outDir, `${dir}/vendor`, `0x${device.vendorId}\n`);
    await put(outDir, `${dir}/device`, `0x${device.deviceId}\n`);
    await put(outDir, `${dir}/class`, `0x${device.classCode}\n`);
    await put(outDir, `${dir}/numa_node`, `${pciNuma.get(device.address) ?? -1}\n`);
    if (device.subsystem) {
      await put(outDir, `${dir}/subsystem_vendor`, `0x${device.subsystem.vendorId}\n`);
      await put(outDir, `${dir}/subsystem_device`, `0x${device.subsystem.deviceId}\n`);
    }
    // What the kernel's uevent says; readers take ids, class and subsystem from it in one read.
    const uevent = [
      device.driver ? `DRIVER=${device.driver}` : undefined,
      `PCI_CLASS=${device.classCode.replace(/^0+(?=.)/, "").toUpperCase()}`,
      `PCI_ID=${device.vendorId.toUpperCase()}:${device.deviceId.toUpperCase()}`,
      device.subsystem ? `PCI_SUBSYS_ID=${device.subsystem.vendorId.toUpperCase()}:${device.subsystem.deviceId.toUpperCase()}` : undefined,
      `PCI_SLOT_NAME=${device.address}`,
    ].filter(Boolean);
    await put(outDir, `${dir}/uevent`, `${uevent.join("\n")}\n`);
    if (device.classCode.startsWith("03")) await put(outDir, `${dir}/boot_vga`, device.address === bootVga ? "1\n" : "0\n");
    // The attributes binding writes, as a real host has them ("(null)": no override set).
    await put(outDir, `${dir}/driver_override`, "(null)\n");
    if (device.driver) {
      await link(outDir, `${dir}/driver`, `../../../bus/pci/drivers/${device.driver}`);
      for (const attribute of ["bind", "unbind"]) await put(outDir, `/sys/bus/pci/drivers/${device.driver}/${attribute}`, "");
    }
    if (device.group !== null && parsed.groups) {
      await link(outDir, `${dir}/iommu_group`, `../../../kernel/iommu_groups/${device.group}`);
      await link(outDir, `/sys/kernel/iommu_groups/${device.group}/devices/${device.address}`, `../../../../devices/pci0000:00/${device.address}`);
    }
  }
  await put(outDir, "/sys/bus/pci/drivers_probe", "");
  if (all.length) await put(outDir, "/usr/share/misc/pci.ids", miniPciIds(all));

  // The platform vendor decides the default CPU and the ACPI table: the host bridge tells it.
  const platform = all.find((device) => device.classCode.startsWith("0600"))?.vendorId === "1022" ? "amd" : "intel";
  const cpuinfo = options.cpuinfo ?? captureFile(caseDir, "cpuinfo.txt", options.variant);
  if (cpuinfo === undefined) notes.push(`no /proc/cpuinfo: a bare-metal ${platform === "amd" ? "AMD (svm, npt)" : "Intel (vmx, ept)"} CPU`);
  const cpuText = cpuinfo ?? defaultCpuinfo(platform);
  await put(outDir, "/proc/cpuinfo", cpuText);
  const flags = new Set((cpuText.match(/^flags\s*:(.*)$/m)?.[1] ?? "").split(/\s+/));
  const cpuVendor = /AuthenticAMD/.test(cpuText) ? "amd" : "intel";

  const lscpu = options.lscpu ?? captureFile(caseDir, "lscpu-e.txt", options.variant);
  if (lscpu !== undefined) await writeTopology(outDir, parseLscpuExtended(lscpu));
  else notes.push("no lscpu -e: no CPU topology under /sys/devices/system");

  const capturedCmdline = captureFile(caseDir, "cmdline.txt", options.variant);
  const cmdline = options.cmdline ?? (capturedCmdline ? lastOutputLine(capturedCmdline) : undefined);
  if (cmdline === undefined) notes.push(`no /proc/cmdline: "${DEFAULT_CMDLINE}"`);
  await put(outDir, "/proc/cmdline", `${cmdline ?? DEFAULT_CMDLINE}\n`);
  const release = (cmdline ?? DEFAULT_CMDLINE).match(/vmlinuz-(\S+)/)?.[1] ?? "6.8.0-generic";
  await put(outDir, "/proc/sys/kernel/osrelease", `${release}\n`);

  // Facts no capture has: memory, OS, firmware files, QEMU. Plausible for a passthrough host.
  const given = (hostPath: string) => Object.hasOwn(options.files ?? {}, hostPath);
  if (!given("/proc/meminfo")) notes.push("no /proc/meminfo: 16 GiB, no hugepages reserved");
  if (!given("/etc/os-release")) notes.push("no /etc/os-release: Ubuntu 22.04");
  notes.push("QEMU installed", options.ovmf === "none" ? "no OVMF" : `OVMF as Debian 12 installs it (${options.ovmf === "file-names" ? "file names only, no firmware descriptors" : "firmware descriptors in /usr/share/qemu/firmware"}; placeholder images)`);
  await put(outDir, "/proc/meminfo", DEFAULT_MEMINFO);
  for (const size of ["2048kB", "1048576kB"]) {
    for (const name of ["nr_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages"]) await put(outDir, `/sys/kernel/mm/hugepages/hugepages-${size}/${name}`, "0\n");
  }
  await put(outDir, "/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
  await put(outDir, "/etc/os-release", DEFAULT_OS_RELEASE);
  if (options.ovmf !== "none") await writeDebianOvmf(outDir, { descriptors: options.ovmf !== "file-names" });
  for (const file of ["/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img"]) await put(outDir, file, "");
  await put(outDir, "/sys/class/net/lo/type", "772\n");
  await put(outDir, "/sys/class/net/lo/operstate", "unknown\n");
  await put(outDir, "/sys/class/net/lo/mtu", "65536\n");
  await mkdir(join(outDir, "sys/block"), { recursive: true });

  if (parsed.groups && parsed.groups.length) await put(outDir, `/sys/firmware/acpi/tables/${platform === "amd" ? "IVRS" : "DMAR"}`, "");

  const kvm = options.kvm ?? (flags.has("vmx") || flags.has("svm"));
  const modules = new Set<string>();
  if (kvm) {
    const vendorModule = cpuVendor === "amd" ? "kvm_amd" : "kvm_intel";
    notes.push(`/dev/kvm present, kvm and ${vendorModule} loaded (the CPU offers ${cpuVendor === "amd" ? "svm" : "vmx"})`);
    await put(outDir, "/dev/kvm", "");
    await put(outDir, `/sys/module/${vendorModule}/parameters/nested`, "N\n");
    modules.add("kvm").add(vendorModule);
  }
  for (const device of all) {
    if (!device.driver || device.driver === "pcieport") continue;
    modules.add(device.driver.replace(/-/g, "_"));
    if (device.driver === "vfio-pci") modules.add("vfio").add("vfio_iommu_type1");
  }
  for (const name of modules) await mkdir(join(outDir, "sys/module", name), { recursive: true });
  await put(outDir, "/proc/modules", [...modules].sort().map((name) => `${name} 16384 0 - Live 0x0000000000000000\n`).join(""));

  for (const [hostPath, content] of Object.entries(options.files ?? {})) await put(outDir, hostPath, content);

  return { root: outDir, devices: all, groups: parsed.groups, bootVga, notes };
}
