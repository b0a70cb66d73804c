import type { EnvironmentData, HostReport } from "../contract.js";
import { gpuChecks, gpuVerdicts } from "./gpu-verdicts.js";
import { iommuChecks } from "./iommu-checks.js";
import { kvmChecks, kvmUnfitReasons } from "./kvm-checks.js";
import { systemChecks } from "./system-checks.js";
import { vfioChecks } from "./vfio-checks.js";

/** Every check and every GPU verdict from the facts; pure, so a snapshot gives the same report. */
export function buildHostReport(env: EnvironmentData): HostReport {
  const checks = [...kvmChecks(env), ...iommuChecks(env), ...vfioChecks(env), ...systemChecks(env), ...gpuChecks(env)];
  // The verdict follows from the checks, never from facts of its own.
  const unfitReasons = kvmUnfitReasons(checks);
  return { checks, gpus: gpuVerdicts(env), kvmUsable: unfitReasons.length === 0, unfitReasons };
}
