import { dirname, resolve } from "node:path";
import { ExitCode, VmforgeError, type HostRoot, type Problem } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { GuestNeeds, UserVmRequest } from "./contract.js";
import { applyGuestNeeds } from "./guest-needs.js";
import { locatedProblem } from "./config-problems.js";
import { chooseAccelerator } from "./host-checks/accelerator.js";
import { checkCpu, checkCpuTuning } from "./host-checks/cpu.js";
import { inspectCdroms } from "./host-checks/cdroms.js";
import { inspectDisks } from "./host-checks/disks.js";
import { chooseFirmware } from "./host-checks/firmware.js";
import { checkMemory } from "./host-checks/memory.js";
import { checkNetwork } from "./host-checks/network.js";
import { checkPassthrough } from "./host-checks/passthrough.js";
import { checkEvdev } from "./host-checks/evdev.js";
import { checkLookingGlass } from "./host-checks/looking-glass.js";
import type { CheckReport, Warning } from "./host-checks/report.js";
import { requestProblemContext } from "./request-context.js";
import type { HostFit } from "./working-keys.js";

export type { Warning } from "./host-checks/report.js";

export interface ValidationResult {
  fit: HostFit;
  /** Problems that stop the run. */
  problems: Problem[];
  warnings: Warning[];
  /** What session.guest_needs turned on, in words. */
  needsApplied: string[];
}

export interface ValidationOptions {
  /** An installed stage adds session.host_devices (a passthrough plugin). */
  passthroughHandled: boolean;
  /** session.guest_needs: firmware the guest plugins turn on. */
  guestNeeds?: readonly GuestNeeds[];
  /** Where `[[disk]] image` downloads are cached (`StorageManager.userCachePath("images")`). */
  imageCache?: string;
  /** The host root, for what env-check does not gather ([[input]] evdev devices). */
  host?: HostRoot;
  /** The user running vmforge, when [vm] run_as does not name one. */
  invokingUser?: string | null;
}

/** Problems the host causes (exit code 3); the others are the request's (exit code 2). */
export const HOST_PROBLEM_CODES = new Set([
  "E_VCPUS_EXCEED_HOST",
  "E_MEMORY_EXCEEDS_HOST",
  "E_HUGEPAGES_UNAVAILABLE",
  "E_KVM_UNAVAILABLE",
  "E_OVMF_MISSING",
  "E_BRIDGE_MISSING",
  "E_NETWORK_DEVICE_MISSING",
  "E_IOMMU_DISABLED",
  "E_PASSTHROUGH_NEEDS_KVM",
]);

/** Checks the request against the host facts of env-check (and the files it names); changes nothing. */
export async function validateVmRequest(asked: UserVmRequest, env: EnvironmentData, options: ValidationOptions): Promise<ValidationResult> {
  const needs = applyGuestNeeds(asked, options.guestNeeds ?? []);
  const request = needs.request;
  const context = requestProblemContext(request);
  const problems: Problem[] = [...needs.problems];
  const warnings: Warning[] = [];
  const report: CheckReport = {
    problem: (code, path, message, extra = {}) => void problems.push(locatedProblem(context, path, { code, message, ...extra })),
    warn: (warning) => void warnings.push(warning),
    baseDir: dirname(resolve(request.source.path)),
  };
  checkCpu(request, env, report);
  const accelerator = chooseAccelerator(request, env, report);
  const cpuTuning = checkCpuTuning(request, env, accelerator, report);
  const hugepages = checkMemory(request, env, report);
  const hugepageSizeBytes = hugepages.sizeBytes;
  const ovmf = await chooseFirmware(request, env, report);
  const disks = await inspectDisks(request, report, options.imageCache);
  await inspectCdroms(request, report);
  checkNetwork(request, env, report);
  checkPassthrough(request, env, accelerator, options.passthroughHandled, report);
  const lookingGlass = checkLookingGlass(request, env, accelerator, report);
  await checkEvdev(request, options.host, report);
  const runAs = request.vm.run_as ?? options.invokingUser ?? null;
  const fit: HostFit = {
    accelerator,
    ovmf,
    hugepageSizeBytes,
    disks,
    cpuTuning,
    ...(hugepages.reason ? { hugepageReason: hugepages.reason } : {}),
    ...(lookingGlass ? { lookingGlass } : {}),
    ...(runAs !== null ? { runAs } : {}),
    ...(needs.changes.length > 0 ? { firmware: request.firmware } : {}),
  };
  return { fit, problems, warnings, needsApplied: needs.changes };
}

/** One error for every problem; exit code 3 when any of them is the host's. */
export function validationError(problems: Problem[]): VmforgeError {
  const hostProblems = problems.filter((entry) => HOST_PROBLEM_CODES.has(entry.code));
  const hostUnfit = hostProblems.length > 0;
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  return new VmforgeError(hostUnfit ? "E_HOST_UNFIT" : "E_REQUEST_INVALID", hostUnfit ? `This host cannot run the VM as described (${count}).` : `The VM description asks for something that cannot be done (${count}).`, {
    exitCode: hostUnfit ? ExitCode.hostUnfit : ExitCode.usage,
    why: hostUnfit ? "The request was checked against the host facts env-check gathered." : "Files the description names are missing or do not fit.",
    fix: "Fix each problem listed, then run the command again.",
    problems,
  });
}
