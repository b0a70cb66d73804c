import type { HostRoot, Problem } from "@vmforge/kernel";
import type { QemuTables } from "./config-schema.js";
import { locatedProblem, type ProblemContext } from "./config-problems.js";
import { checkCpu } from "./host-checks/cpu.js";
import { checkMemory } from "./host-checks/memory.js";
import type { CheckReport } from "./host-checks/report.js";

/**
 * The host's limits on the tables that passed their schemas, for a description that stops in
 * preflight anyway: without them, `cores = 4096` (a schema problem) would hide a host-sized
 * `[memory] size` until the next run. A table that failed its schema is not checked again
 * here, so each broken limit is reported once. The host facts are env-check's, read through
 * the run's host root; when they cannot be read, the validate stage reports the limits later.
 */
export async function hostLimitProblems(host: HostRoot, context: ProblemContext, tables: Partial<QemuTables>): Promise<Problem[]> {
  const { cpu, memory } = tables;
  if (!cpu && !memory) return [];
  let environment;
  try {
    const { gatherEnvironment } = await import("@vmforge/plugin-env-check");
    environment = await gatherEnvironment(host);
  } catch {
    return [];
  }
  const problems: Problem[] = [];
  const report: CheckReport = {
    problem: (code, path, message, extra = {}) => void problems.push(locatedProblem(context, path, { code, message, ...extra })),
    warn: () => undefined,
    baseDir: "",
  };
  if (cpu) checkCpu({ cpu }, environment, report);
  if (memory) checkMemory({ memory }, environment, report);
  return problems;
}
