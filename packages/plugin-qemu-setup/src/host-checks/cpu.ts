import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import type { CheckReport } from "./report.js";

/** vCPUs: an error above the logical CPUs, a warning above the physical cores. */
export function checkCpu(request: Pick<UserVmRequest, "cpu">, env: EnvironmentData, report: CheckReport): void {
  const { sockets, cores, threads } = request.cpu;
  const vcpus = sockets * cores * threads;
  const logical = env.cpu.logicalCpus;
  const physical = env.cpu.sockets * env.cpu.coresPerSocket;
  const cpuKey = ["cpu", "cores"];
  if (logical > 0 && vcpus > logical) {
    report.problem("E_VCPUS_EXCEED_HOST", cpuKey, `${vcpus} vCPUs asked for; the host has ${logical} logical CPUs`, {
      received: `${vcpus} vCPUs (sockets ${sockets} × cores ${cores} × threads ${threads})`,
      expected: `at most ${logical} vCPUs`,
      fix: `Lower [cpu] cores to ${Math.max(1, Math.floor(logical / (sockets * threads)))} or fewer.`,
    });
  } else if (physical > 0 && vcpus > physical) {
    report.warn({ code: "W_VCPUS_ABOVE_CORES", text: `${vcpus} vCPUs is more than the host's ${physical} physical cores; they will share cores through SMT.`, fix: `Use at most ${physical} vCPUs for steady performance.` });
  }
}
