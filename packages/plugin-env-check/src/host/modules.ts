import type { HostRoot } from "@vmforge/kernel";
import { readText } from "./read-log.js";
import type { ModulesInfo } from "../contract.js";

/** Modules whose presence a check or a later stage looks at. */
export const RELEVANT_MODULES = [
  "kvm",
  "kvm_intel",
  "kvm_amd",
  "vfio",
  "vfio_pci",
  "vfio_iommu_type1",
  "vhost_net",
  "nvidia",
  "nouveau",
  "amdgpu",
  "radeon",
  "i915",
  "xe",
  "snd_hda_intel",
  // Looking Glass's shared-memory device: qemu-setup puts [looking_glass] on /dev/kvmfr0 when it is there.
  "kvmfr",
] as const;

/** `/proc/modules`: first field of each line. */
export function parseProcModules(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => name.length > 0)
    .sort();
}

const inFlight = new WeakMap<HostRoot, Promise<string | undefined>>();

/**
 * /proc/modules, read once for the readers that ask at the same time (the KVM facts and the
 * module list), so both judge the same text; a later call reads afresh.
 */
function readProcModules(host: HostRoot): Promise<string | undefined> {
  let pending = inFlight.get(host);
  if (!pending) {
    const read: Promise<string | undefined> = readText(host, "/proc/modules").finally(() => {
      if (inFlight.get(host) === read) inFlight.delete(host);
    });
    inFlight.set(host, (pending = read));
  }
  return pending;
}

export interface ModuleFacts {
  /** /proc/modules was readable. */
  procModules: boolean;
  /** Its names, sorted (empty when unreadable). */
  loaded: string[];
  /** Those of the asked names the kernel has (see {@link readModuleFacts}). */
  present: Set<string>;
}

/**
 * The one rule for "the kernel has module X" in this package: X is listed in /proc/modules
 * (what lsmod reads: loadable modules that are loaded), or /sys/module/X exists (a loaded
 * module, or one built into the kernel, which /proc/modules never lists). Either is enough:
 * each can be missing where the other is not (a kernel without module support has no
 * /proc/modules; a snapshot kept in git loses the empty /sys/module/X folders).
 */
export async function readModuleFacts(host: HostRoot, names: readonly string[]): Promise<ModuleFacts> {
  const [text, inSys] = await Promise.all([readProcModules(host), Promise.all(names.map((name) => host.exists(`/sys/module/${name}`)))]);
  const loaded = text === undefined ? [] : parseProcModules(text);
  const listed = new Set(loaded);
  return { procModules: text !== undefined, loaded, present: new Set(names.filter((name, index) => listed.has(name) || inSys[index])) };
}

export async function readModules(host: HostRoot): Promise<ModulesInfo> {
  const facts = await readModuleFacts(host, RELEVANT_MODULES);
  return {
    loaded: facts.loaded,
    source: facts.procModules ? "proc-modules" : "unavailable",
    relevant: RELEVANT_MODULES.filter((name) => facts.present.has(name)),
  };
}
