import type { HostRoot } from "@vmforge/kernel";
import { readAttribute, readText } from "./read-log.js";
import type { HugepagePool, MemoryInfo } from "../contract.js";
import { parseInteger } from "./sysfs-values.js";

const HUGEPAGES_DIR = "/sys/kernel/mm/hugepages";

/** `MemTotal:  24683620 kB` lines → bytes by key. */
export function parseMeminfo(text: string | undefined): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of (text ?? "").split("\n")) {
    const match = line.match(/^([^:]+):\s+(\d+)(?:\s+kB)?\s*$/);
    if (!match) continue;
    const number = Number(match[2]);
    values.set(match[1]!, line.trimEnd().endsWith("kB") ? number * 1024 : number);
  }
  return values;
}

/** `always [madvise] never` → `madvise`. */
export function selectedMode(text: string | undefined): string | null {
  return text?.match(/\[([^\]]+)\]/)?.[1] ?? null;
}

async function readPool(host: HostRoot, entry: string): Promise<HugepagePool | undefined> {
  const sizeKiB = Number(entry.match(/^hugepages-(\d+)kB$/)?.[1]);
  if (!Number.isFinite(sizeKiB) || sizeKiB <= 0) return undefined;
  const dir = `${HUGEPAGES_DIR}/${entry}`;
  const [total, free, reserved, surplus] = await Promise.all(
    ["nr_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages"].map((name) => readAttribute(host, `${dir}/${name}`)),
  );
  return {
    sizeBytes: sizeKiB * 1024,
    total: Math.max(0, parseInteger(total) ?? 0),
    free: Math.max(0, parseInteger(free) ?? 0),
    reserved: parseInteger(reserved),
    surplus: parseInteger(surplus),
  };
}

export async function readMemory(host: HostRoot): Promise<MemoryInfo> {
  const [meminfoText, poolEntries, thp] = await Promise.all([
    readText(host, "/proc/meminfo"),
    host.list(HUGEPAGES_DIR),
    readAttribute(host, "/sys/kernel/mm/transparent_hugepage/enabled"),
  ]);
  const meminfo = parseMeminfo(meminfoText);
  const pools = (await Promise.all(poolEntries.map((entry) => readPool(host, entry))))
    .filter((pool): pool is HugepagePool => pool !== undefined)
    .sort((a, b) => a.sizeBytes - b.sizeBytes);
  return {
    totalBytes: meminfo.get("MemTotal") ?? null,
    availableBytes: meminfo.get("MemAvailable") ?? null,
    hugepages: { defaultSizeBytes: meminfo.get("Hugepagesize") || null, pools },
    transparentHugepages: selectedMode(thp),
  };
}
