import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import { formatSize } from "../size-units.js";
import type { CheckReport } from "./report.js";

/** Memory against the host's total and available memory and its free hugepages; returns the hugepage size used. */
export function checkMemory(request: Pick<UserVmRequest, "memory">, env: EnvironmentData, report: CheckReport): number | null {
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
  let hugepageSizeBytes: number | null = null;
  if (request.memory.hugepages) {
    const size = env.memory.hugepages.defaultSizeBytes ?? env.memory.hugepages.pools[0]?.sizeBytes ?? null;
    const pool = env.memory.hugepages.pools.find((entry) => entry.sizeBytes === size);
    hugepageSizeBytes = size;
    if (size === null || !pool) {
      report.problem("E_HUGEPAGES_UNAVAILABLE", ["memory", "hugepages"], "hugepages = true, but the host has no hugepage pool", {
        received: "true",
        expected: "a host with hugepages reserved, or hugepages = false",
        fix: "Reserve pages: `echo N | sudo tee /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages` (N = memory / 2MiB), or boot with hugepages=N.",
      });
    } else if (memory % size !== 0) {
      report.problem("E_HUGEPAGES_ALIGNMENT", ["memory", "size"], `memory ${formatSize(memory)} is not a whole number of ${formatSize(size)} hugepages`, {
        received: formatSize(memory),
        expected: `a multiple of ${formatSize(size)}`,
      });
    } else if (pool.free * size < memory) {
      const needed = memory / size;
      report.problem("E_HUGEPAGES_UNAVAILABLE", ["memory", "hugepages"], `${needed} hugepages of ${formatSize(size)} needed; ${pool.free} are free`, {
        received: `${pool.free} free of ${pool.total}`,
        expected: `at least ${needed} free`,
        fix: `Reserve more: \`echo ${pool.total + needed - pool.free} | sudo tee /sys/kernel/mm/hugepages/hugepages-${size / 1024}kB/nr_hugepages\`.`,
      });
    }
  }
  return hugepageSizeBytes;
}
