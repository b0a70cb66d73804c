import { HostRoot, type VmforgeError } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "@vmforge/plugin-qemu-setup";
import { buildPlan, type PlanOutcome } from "../../src/planner/build-plan.js";
import { readHostExtras } from "../../src/planner/host-extras.js";

/** The planner on a snapshot: environment_data from env-check, extras read from the same root. */
export async function planFor(root: string, env: EnvironmentData, request: UserVmRequest, romFiles = new Map<number, { path: string; exists: boolean }>()): Promise<PlanOutcome> {
  const extras = await readHostExtras(new HostRoot(root), env, env.pci.devices.map((device) => device.address));
  return buildPlan({ env, request, extras, iommuFix: "add `intel_iommu=on` to the kernel command line", undoJournal: "/data/vms/gpu-vm/vfio-undo.json", romFiles });
}

export async function planError(root: string, env: EnvironmentData, request: UserVmRequest, romFiles?: Map<number, { path: string; exists: boolean }>): Promise<VmforgeError> {
  try {
    await planFor(root, env, request, romFiles);
  } catch (error) {
    return error as VmforgeError;
  }
  throw new Error("the plan was not refused");
}

/** The codes of an error: its own, or each of its problems'. */
export function codesOf(error: VmforgeError): string[] {
  return error.problems.length ? error.problems.map((problem) => problem.code) : [error.code];
}

/** Everything an error says, for asserting that devices are named. */
export function textOf(error: VmforgeError): string {
  return [error.message, error.fix ?? "", ...error.problems.flatMap((problem) => [problem.message, problem.fix ?? ""])].join("\n");
}
