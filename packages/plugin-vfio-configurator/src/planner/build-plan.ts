import { ExitCode, VmforgeError, type Problem } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { HostDevice, UserVmRequest } from "@vmforge/plugin-qemu-setup";
import type { PlanFunction, PlanWarning, VfioPlan } from "../contract.js";
import { LIBVIRT_HOOKS_DIR, SINGLE_GPU_HOOKS, hookPath } from "../single-gpu/hook-scripts.js";
import { VfioCode, VfioWarning } from "../error-codes.js";
import { bindSteps, undoSteps } from "./binding-steps.js";
import { bootTimeBinding } from "./boot-time.js";
import { closeOverGroups } from "./group-closure.js";
import type { HostExtras } from "./host-extras.js";
import { hostDevicesOf } from "./host-devices.js";
import { acsWarning, audioWarnings, groupMemberWarning, hostGpuFindings, iommuProblem, moduleState, numaWarning, resetFindings } from "./host-readiness.js";
import { resolveRequests } from "./resolve-requests.js";

export interface PlanInputs {
  env: EnvironmentData;
  request: UserVmRequest;
  extras: HostExtras;
  /** How to turn the IOMMU on for this host: the kernel parameter or firmware setting. */
  iommuFix: string;
  /** Where apply --bind-vfio keeps the undo journal. */
  undoJournal: string;
  /** Each request's rom_file made absolute, and whether it exists. */
  romFiles: ReadonlyMap<number, { path: string; exists: boolean }>;
}

export interface PlanOutcome {
  plan: VfioPlan;
  hostDevices: HostDevice[];
}

/** Problems that only a change to the host (firmware, kernel, slot, card) can fix: exit code 3. */
const HOST_PROBLEMS = new Set<string>([VfioCode.iommuOff, VfioCode.noGroup, VfioCode.groupBlocked, VfioCode.moduleMissing, VfioCode.noReset]);

/**
 * The whole plan from the facts: which functions leave the host, why, how they are bound and
 * unbound, and what would stop it. Pure: the same facts give the same plan. Every problem is
 * reported at once, in one VmforgeError.
 */
export function buildPlan(inputs: PlanInputs): PlanOutcome {
  const { env, request, extras } = inputs;
  const problems: Problem[] = [];
  const warnings: PlanWarning[] = [];

  const resolution = resolveRequests(request.passthrough, env);
  problems.push(...resolution.problems);
  for (const [index, rom] of inputs.romFiles) {
    if (!rom.exists) {
      problems.push({ code: VfioCode.romNotFound, keyPath: `passthrough[${index}].rom_file`, message: `The ROM file ${rom.path} does not exist.`, fix: "Point rom_file at the card's dumped vBIOS (relative paths start from the config file's folder), or remove it." });
    }
  }

  const iommuOff = iommuProblem(env, inputs.iommuFix);
  if (iommuOff) {
    problems.push(iommuOff);
    throw planError(problems);
  }

  const closure = closeOverGroups(resolution.resolved, env);
  problems.push(...closure.problems);
  const module = moduleState(env, extras);
  if (module.problem) problems.push(module.problem);
  if (module.warning) warnings.push(module.warning);
  const hostGpu = hostGpuFindings(closure.members, env);
  const reset = resetFindings(closure.members, env, extras);
  problems.push(...hostGpu.problems, ...reset.problems);
  if (problems.length > 0) throw planError(problems);

  warnings.push(...hostGpu.warnings, ...reset.warnings, ...audioWarnings(closure.members, env));
  for (const warning of [acsWarning(env), numaWarning(closure.members), groupMemberWarning(closure.members)]) if (warning) warnings.push(warning);

  const functions: PlanFunction[] = closure.members.map(({ device, why }) => {
    const alreadyBound = device.driver === "vfio-pci";
    const override = extras.driverOverrides.get(device.address) ?? "";
    return {
      address: device.address,
      name: device.name,
      vendorId: device.vendorId,
      deviceId: device.deviceId,
      classCode: device.classCode,
      className: device.className,
      iommuGroup: device.iommuGroup!,
      numaNode: device.numaNode,
      resetMethods: device.resetMethods,
      why,
      currentDriver: device.driver,
      currentDriverOverride: override,
      targetDriver: "vfio-pci",
      action: alreadyBound ? "already-bound" : "bind",
      bind: alreadyBound ? [] : bindSteps(device.address, device.driver),
      undo: alreadyBound ? [] : undoSteps(device.address, device.driver, override),
    };
  });

  const bootTime = bootTimeBinding(functions, env, request.vm.name);
  if (bootTime.ambiguous.length) {
    warnings.push({
      code: VfioWarning.idsAmbiguousAtBoot,
      message: `Binding at boot by ids would also take ${bootTime.ambiguous.flatMap((entry) => entry.alsoMatches).join(", ")} (same vendor:device ids); apply --bind-vfio binds by address and does not.`,
    });
  }

  const plan: VfioPlan = {
    schemaVersion: 1,
    vm: request.vm.name,
    requests: resolution.resolved.map(({ index, request: entry, device }) => ({
      index,
      address: entry.address ?? null,
      ids: entry.ids ?? null,
      resolved: device.address,
      name: device.name,
      allowHostGpu: entry.allow_host_gpu,
      romFile: inputs.romFiles.get(index)?.path ?? null,
    })),
    groups: closure.groups,
    functions,
    module: { name: "vfio-pci", state: module.state, load: module.state === "loaded" ? null : ["modprobe", "vfio-pci"] },
    method: "driver_override",
    bootTime,
    undoJournal: inputs.undoJournal,
    warnings,
    ...(hostGpu.hostGpus.length > 0 ? { singleGpu: singleGpuOf(request.vm.name, hostGpu.hostGpus) } : {}),
  };
  return { plan, hostDevices: hostDevicesOf(plan, closure.members, request) };
}

/** The libvirt hooks that hand the host's own GPU to the guest and back (allow_host_gpu). */
function singleGpuOf(vm: string, hostGpus: string[]): NonNullable<VfioPlan["singleGpu"]> {
  return {
    hostGpus,
    hooks: SINGLE_GPU_HOOKS.map((hook) => ({ artifact: `hooks/${hookPath(vm, hook)}`, hostPath: `${LIBVIRT_HOOKS_DIR}/${hookPath(vm, hook)}` })),
  };
}

function planError(problems: Problem[]): VmforgeError {
  const exitCode = problems.every((problem) => HOST_PROBLEMS.has(problem.code)) ? ExitCode.hostUnfit : ExitCode.usage;
  if (problems.length === 1) {
    const [problem] = problems as [Problem];
    return new VmforgeError(problem.code, problem.message, { exitCode, problems, ...(problem.fix ? { fix: problem.fix } : {}), why: "Passthrough hands whole IOMMU groups to the guest; the plan goes ahead only when nothing the host needs goes with them." });
  }
  return new VmforgeError(VfioCode.planBlocked, `The VFIO plan is blocked by ${problems.length} problems: ${problems.map((problem) => problem.code).join(", ")}.`, {
    exitCode,
    problems,
    why: "Passthrough hands whole IOMMU groups to the guest; the plan goes ahead only when nothing the host needs goes with them.",
  });
}
