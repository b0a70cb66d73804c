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
] as const;

/** `/proc/modules`: first field of each line. */
export function parseProcModules(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => name.length > 0)
    .sort();
}

export async function readModules(host: HostRoot): Promise<ModulesInfo> {
  const [text, present] = await Promise.all([
    readText(host, "/proc/modules"),
    Promise.all(RELEVANT_MODULES.map((name) => host.exists(`/sys/module/${name}`))),
  ]);
  return {
    loaded: text === undefined ? [] : parseProcModules(text),
    source: text === undefined ? "unavailable" : "proc-modules",
    relevant: RELEVANT_MODULES.filter((_, index) => present[index]),
  };
}
