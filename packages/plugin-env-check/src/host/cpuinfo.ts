import type { HostRoot } from "@vmforge/kernel";
import { readText } from "./read-log.js";
import type { CpuInfo, CpuVendor } from "../contract.js";

/** Parses /proc/cpuinfo (x86 layout): one block per logical CPU, `key : value` lines. */
export function parseCpuinfo(text: string | undefined): CpuInfo {
  const processors: Array<Map<string, string>> = [];
  let current: Map<string, string> | undefined;
  for (const line of (text ?? "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === "processor") {
      current = new Map();
      processors.push(current);
    }
    current?.set(key, value);
  }
  const first = processors[0] ?? new Map<string, string>();
  const flags = (first.get("flags") ?? "").split(/\s+/).filter(Boolean);
  const has = new Set(flags);
  const logicalCpus = processors.length;
  const physicalIds = new Set(processors.map((cpu) => cpu.get("physical id")).filter((id) => id !== undefined));
  const sockets = logicalCpus === 0 ? 0 : Math.max(1, physicalIds.size);
  const declaredCores = toInt(first.get("cpu cores"));
  const siblings = toInt(first.get("siblings"));
  const coresPerSocket = declaredCores ?? (sockets ? Math.ceil(logicalCpus / sockets) : 0);
  const threadsPerCore = declaredCores && siblings ? Math.max(1, Math.round(siblings / declaredCores)) : logicalCpus ? 1 : 0;
  const vendorId = first.get("vendor_id") ?? null;
  return {
    vendor: vendorOf(vendorId),
    vendorId,
    model: first.get("model name") ?? null,
    family: toInt(first.get("cpu family")),
    sockets,
    coresPerSocket,
    threadsPerCore,
    logicalCpus,
    flags,
    virtualization: {
      vmx: has.has("vmx"),
      svm: has.has("svm"),
      ept: has.has("ept"),
      npt: has.has("npt"),
      hypervisor: has.has("hypervisor"),
      avx2: has.has("avx2"),
    },
  };
}

function toInt(value: string | undefined): number | null {
  if (value === undefined) return null;
  const number = Number.parseInt(value, 10);
  return Number.isFinite(number) ? number : null;
}

function vendorOf(vendorId: string | null): CpuVendor {
  if (vendorId === null) return "unknown";
  if (vendorId === "GenuineIntel") return "intel";
  if (vendorId === "AuthenticAMD" || vendorId === "HygonGenuine") return "amd";
  return "other";
}

export async function readCpuInfo(host: HostRoot): Promise<CpuInfo> {
  return parseCpuinfo(await readText(host, "/proc/cpuinfo"));
}
