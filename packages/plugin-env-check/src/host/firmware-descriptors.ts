import { posix } from "node:path";
import type { HostRoot } from "@vmforge/kernel";
import type { FirmwareDescriptor, FirmwareImage } from "../contract.js";
import { readText } from "./read-log.js";

/** A descriptor is a few hundred bytes; anything past this is not one. */
const DESCRIPTOR_LIMIT = 64 * 1024;

/**
 * Where QEMU's firmware descriptors live (docs/interop/firmware.json), lowest precedence
 * first: a file in a later folder replaces the one of the same name in an earlier folder, and
 * an empty file hides it.
 */
export function descriptorDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const configHome = env.XDG_CONFIG_HOME && posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : env.HOME ? posix.join(env.HOME, ".config") : undefined;
  return ["/usr/share/qemu/firmware", "/etc/qemu/firmware", ...(configHome ? [posix.join(configHome, "qemu", "firmware")] : [])];
}

export interface DescriptorReading {
  descriptors: FirmwareDescriptor[];
  invalid: Array<{ path: string; reason: string }>;
}

/**
 * The firmware descriptors of the host in QEMU's order of preference (by file name, as libvirt
 * sorts them), read through the host root. A descriptor that does not parse is set aside with
 * its reason; it never stops the check.
 */
export async function readFirmwareDescriptors(host: HostRoot, dirs: readonly string[] = descriptorDirs()): Promise<DescriptorReading> {
  const chosen = new Map<string, string>();
  for (const dir of dirs) {
    for (const name of await host.list(dir)) if (name.endsWith(".json")) chosen.set(name, `${dir}/${name}`);
  }
  const names = [...chosen.keys()].sort();
  const readings = await Promise.all(names.map(async (name) => parseDescriptorFile(host, chosen.get(name)!)));
  const descriptors: FirmwareDescriptor[] = [];
  const invalid: DescriptorReading["invalid"] = [];
  for (const reading of readings) {
    if (reading === "masked") continue;
    if ("reason" in reading) invalid.push(reading);
    else descriptors.push(reading);
  }
  return { descriptors, invalid };
}

async function parseDescriptorFile(host: HostRoot, path: string): Promise<FirmwareDescriptor | { path: string; reason: string } | "masked"> {
  let text: string | undefined;
  try {
    text = await readText(host, path, DESCRIPTOR_LIMIT);
  } catch (error) {
    return { path, reason: (error as Error).message };
  }
  if (text === undefined) return { path, reason: "it cannot be read" };
  if (text.trim() === "") return "masked";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { path, reason: `it is not JSON: ${(error as Error).message}` };
  }
  const parsed = descriptorFromJson(path, json);
  if (typeof parsed === "string") return { path, reason: parsed };
  const [executable, nvramTemplate] = await Promise.all([imageOf(host, parsed.executable), imageOf(host, parsed.nvramTemplate)]);
  return { ...parsed, executable, nvramTemplate };
}

type ParsedDescriptor = Omit<FirmwareDescriptor, "executable" | "nvramTemplate"> & {
  executable: { filename: string; format: string } | null;
  nvramTemplate: { filename: string; format: string } | null;
};

/** The fields vmforge uses, checked; a string says what is wrong. */
export function descriptorFromJson(path: string, json: unknown): ParsedDescriptor | string {
  if (!isObject(json)) return "it is not a JSON object";
  const interfaceTypes = stringArray(json["interface-types"]);
  if (!interfaceTypes) return `"interface-types" is not a list of strings`;
  const mapping = json.mapping;
  if (!isObject(mapping) || typeof mapping.device !== "string") return `"mapping" has no "device"`;
  const targets = Array.isArray(json.targets)
    ? json.targets.flatMap((target) => (isObject(target) && typeof target.architecture === "string" ? [{ architecture: target.architecture, machines: stringArray(target.machines) ?? [] }] : []))
    : [];
  const features = stringArray(json.features) ?? [];
  const base = { path, description: typeof json.description === "string" ? json.description : null, interfaceTypes, device: mapping.device, targets, features };
  if (mapping.device === "memory") {
    return typeof mapping.filename === "string" ? { ...base, mode: null, executable: { filename: mapping.filename, format: "raw" }, nvramTemplate: null } : `"mapping" of a memory device has no "filename"`;
  }
  if (mapping.device !== "flash") return { ...base, mode: null, executable: null, nvramTemplate: null };
  const mode = typeof mapping.mode === "string" ? mapping.mode : "split";
  const executable = fileOf(mapping.executable);
  if (!executable) return `"mapping.executable" has no "filename"`;
  const nvramTemplate = fileOf(mapping["nvram-template"]);
  if (mode === "split" && !nvramTemplate) return `a split flash mapping has no "nvram-template"`;
  return { ...base, mode, executable, nvramTemplate };
}

async function imageOf(host: HostRoot, file: { filename: string; format: string } | null): Promise<FirmwareImage | null> {
  if (!file) return null;
  return { ...file, exists: posix.isAbsolute(file.filename) && (await host.exists(file.filename)) };
}

function fileOf(value: unknown): { filename: string; format: string } | null {
  if (!isObject(value) || typeof value.filename !== "string") return null;
  return { filename: value.filename, format: typeof value.format === "string" ? value.format : "raw" };
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A machine type QEMU would expand `q35` to, for matching descriptor globs like `pc-q35-*`. */
const MACHINE_NAMES: Record<string, string> = { q35: "pc-q35-10.0", pc: "pc-i440fx-10.0" };

/**
 * The descriptors a UEFI x86_64 guest of this machine type can use as vmforge starts it: a
 * flash device in split mode (a code image and a vars template to copy), raw images, both
 * present on the host. In order of preference.
 */
export function usableUefiDescriptors(descriptors: readonly FirmwareDescriptor[], machine = "q35"): FirmwareDescriptor[] {
  const machineName = MACHINE_NAMES[machine] ?? machine;
  return descriptors.filter(
    (descriptor) =>
      descriptor.interfaceTypes.includes("uefi") &&
      descriptor.device === "flash" &&
      descriptor.mode === "split" &&
      descriptor.executable?.exists === true &&
      descriptor.executable.format === "raw" &&
      descriptor.nvramTemplate?.exists === true &&
      descriptor.nvramTemplate.format === "raw" &&
      descriptor.targets.some((target) => target.architecture === "x86_64" && target.machines.some((glob) => globMatches(glob, machineName))),
  );
}

/** QEMU's descriptor globs use `*` and `?` only. */
function globMatches(glob: string, name: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`).test(name);
}
