import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest, VmCpuPinning } from "../contract.js";
import { passthroughNode, pinningProblems, planPinning } from "../cpu-pinning.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/** KVM has direct-mode synthetic timers (hv-stimer-direct) since Linux 5.0. */
function stimerDirectSupported(release: string | null): boolean {
  const match = release?.match(/^(\d+)\.(\d+)/);
  return match ? Number(match[1]) >= 5 : false;
}

/**
 * [cpu] pinning against the host: listed CPUs that exist and are online, or "auto" chosen from
 * the topology. Problems are the request's (exit 2): the file and key name them.
 */
export function checkCpuTuning(request: Pick<UserVmRequest, "cpu" | "vm" | "passthrough">, env: EnvironmentData, accelerator: HostFit["accelerator"], report: CheckReport): NonNullable<HostFit["cpuTuning"]> {
  const { sockets, cores, threads, pinning } = request.cpu;
  let plan: VmCpuPinning | null = null;
  if (pinning !== undefined) {
    const asked = { sockets, cores, threads, pinning, gpuNode: passthroughNode(request, env) };
    const problems = pinningProblems(asked, env);
    for (const problem of problems) {
      report.problem(problem.path.length > 1 ? "E_PINNING_UNKNOWN_CPU" : "E_PINNING_IMPOSSIBLE", ["cpu", ...problem.path], problem.message, { fix: problem.fix });
    }
    if (problems.length === 0) {
      plan = planPinning(env.topology ?? { cpus: [], nodes: [] }, asked);
      for (const note of plan.notes) report.warn({ code: "W_PINNING", text: `[cpu] pinning: ${note}.` });
    }
  }
  const hypervAsked = request.cpu.hyperv === true || request.cpu.hide_hypervisor === true;
  if (hypervAsked && accelerator.type !== "kvm") {
    report.warn({ code: "W_HYPERV_NEEDS_KVM", text: "[cpu] hyperv and hide_hypervisor are KVM features; this VM runs under TCG without them.", fix: "Run on a host with /dev/kvm." });
  }
  return { pinning: plan, amd: env.cpu.vendor === "amd", stimerDirect: stimerDirectSupported(env.kernel.release) };
}

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
