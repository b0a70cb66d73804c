import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import { formatSize } from "../size-units.js";
import type { CheckReport } from "./report.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const SIZES: Record<NonNullable<UserVmRequest["memory"]["hugepage_size"]>, number> = { "2MiB": 2 * MiB, "1GiB": GiB };

export interface HugepageChoice {
  sizeBytes: number | null;
  /** Why this size, for the plan. */
  reason: string;
}

/**
 * The hugepage size: as `hugepage_size` forces it, else 1 GiB pages when the host offers them
 * (a 1 GiB pool with enough free pages) and the RAM is a whole number of GiB, else 2 MiB (or
 * the host's default size when it has no 2 MiB pool).
 */
export function chooseHugepageSize(request: Pick<UserVmRequest, "memory">, env: EnvironmentData): HugepageChoice {
  const memory = request.memory.size;
  const { pools, defaultSizeBytes } = env.memory.hugepages;
  const forced = request.memory.hugepage_size;
  if (forced !== undefined) return { sizeBytes: SIZES[forced], reason: `hugepage_size = "${forced}"` };
  const giant = pools.find((pool) => pool.sizeBytes === GiB);
  const small = pools.find((pool) => pool.sizeBytes === 2 * MiB);
  const fallback = small?.sizeBytes ?? defaultSizeBytes ?? pools[0]?.sizeBytes ?? null;
  if (giant && memory % GiB === 0 && giant.free * GiB >= memory) {
    return { sizeBytes: GiB, reason: `the host has ${giant.free} free 1 GiB pages and ${formatSize(memory)} is a whole number of them` };
  }
  const whyNot = !giant
    ? "the host has no 1 GiB pages reserved"
    : memory % GiB !== 0
      ? `${formatSize(memory)} is not a whole number of GiB`
      : `only ${giant.free} 1 GiB pages are free, ${memory / GiB} needed`;
  return { sizeBytes: fallback, reason: `${whyNot}${fallback === null ? "" : `, so ${formatSize(fallback)} pages`}` };
}

/** Memory against the host's total and available memory and its free hugepages; returns the hugepage size used. */
export function checkMemory(request: Pick<UserVmRequest, "memory">, env: EnvironmentData, report: CheckReport): HugepageChoice {
  const memory = request.memory.size;
  const total = env.memory.totalBytes;
  if (total !== null && memory > total) {
    report.problem("E_MEMORY_EXCEEDS_HOST", ["memory", "size"], `${formatSize(memory)} of memory asked for; the host has ${formatSize(total)} in all`, {
      received: formatSize(memory),
      expected: `at most ${formatSize(total)}`,
      fix: "Lower [memory] size.",
    });
  } else if (env.memory.availableBytes !== null && memory > env.memory.availableBytes) {
    report.warn({ code: "W_MEMORY_ABOVE_AVAILABLE", text: `${formatSize(memory)} is more than the ${formatSize(env.memory.availableBytes)} available right now; the host may swap.` });
  }
  if (!request.memory.hugepages) return { sizeBytes: null, reason: "" };
  const choice = chooseHugepageSize(request, env);
  const size = choice.sizeBytes;
  const pool = env.memory.hugepages.pools.find((entry) => entry.sizeBytes === size);
  const key = request.memory.hugepage_size !== undefined ? ["memory", "hugepage_size"] : ["memory", "hugepages"];
  if (size === null || !pool) {
    const kib = size === null ? 2048 : size / 1024;
    report.problem("E_HUGEPAGES_UNAVAILABLE", key, `hugepages = true, but the host has no ${size === null ? "hugepage" : formatSize(size)} pool`, {
      received: request.memory.hugepage_size !== undefined ? JSON.stringify(request.memory.hugepage_size) : "true",
      expected: "a host with hugepages reserved, or hugepages = false",
      fix:
        kib === 1024 * 1024
          ? `Reserve 1 GiB pages at boot: add \`hugepagesz=1G hugepages=${Math.ceil(memory / GiB)}\` to the kernel command line and reboot; or set hugepage_size = "2MiB".`
          : `Reserve pages: \`echo N | sudo tee /sys/kernel/mm/hugepages/hugepages-${kib}kB/nr_hugepages\` (N = memory / ${formatSize(kib * 1024)}), or boot with hugepages=N.`,
    });
  } else if (memory % size !== 0) {
    report.problem("E_HUGEPAGES_ALIGNMENT", ["memory", "size"], `memory ${formatSize(memory)} is not a whole number of ${formatSize(size)} hugepages`, {
      received: formatSize(memory),
      expected: `a multiple of ${formatSize(size)}`,
    });
  } else if (pool.free * size < memory) {
    const needed = memory / size;
    report.problem("E_HUGEPAGES_UNAVAILABLE", key, `${needed} hugepages of ${formatSize(size)} needed; ${pool.free} are free`, {
      received: `${pool.free} free of ${pool.total}`,
      expected: `at least ${needed} free`,
      fix: `Reserve more: \`echo ${pool.total + needed - pool.free} | sudo tee /sys/kernel/mm/hugepages/hugepages-${size / 1024}kB/nr_hugepages\`.`,
    });
  }
  return choice;
}
