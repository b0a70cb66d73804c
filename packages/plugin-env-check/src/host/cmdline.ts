import type { HostRoot } from "@vmforge/kernel";
import { readText } from "./read-log.js";
import type { KernelCmdline } from "../contract.js";
import { parseInteger } from "./sysfs-values.js";

/**
 * Splits a kernel command line as the kernel does: on spaces, keeping double-quoted values
 * whole. Everything after a lone `--` goes to init, not the kernel, and is ignored.
 */
export function parseKernelCmdline(raw: string | undefined): KernelCmdline {
  const text = (raw ?? "").trim();
  const params: KernelCmdline["params"] = [];
  for (const token of text.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    if (token === "--") break;
    const equals = token.indexOf("=");
    const key = equals < 0 ? token : token.slice(0, equals);
    const value = equals < 0 ? null : token.slice(equals + 1).replace(/^"(.*)"$/, "$1");
    params.push({ key, value });
  }
  // The kernel treats `-` and `_` alike in parameter names; the last occurrence wins.
  const last = (name: string): string | null => {
    const normalized = name.replace(/-/g, "_");
    let found: string | null = null;
    for (const param of params) if (param.key.replace(/-/g, "_") === normalized) found = param.value ?? "";
    return found;
  };
  const iommu = last("iommu");
  return {
    raw: text,
    params,
    intelIommu: last("intel_iommu"),
    amdIommu: last("amd_iommu"),
    iommu,
    iommuPassthrough: iommu === "pt",
    vfioPciIds: (last("vfio_pci.ids") ?? "")
      .split(",")
      .map((id) => id.trim().toLowerCase())
      .filter((id) => id.length > 0),
    pcieAcsOverride: last("pcie_acs_override"),
    hugepages: parseInteger(last("hugepages") ?? undefined),
    hugepagesz: last("hugepagesz"),
    defaultHugepagesz: last("default_hugepagesz"),
    isolcpus: last("isolcpus"),
  };
}

export async function readKernelCmdline(host: HostRoot): Promise<KernelCmdline> {
  return parseKernelCmdline(await readText(host, "/proc/cmdline"));
}
