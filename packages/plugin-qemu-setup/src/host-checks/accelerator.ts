import { kvmChecks, kvmUnfitReasons, type EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/**
 * KVM when the host can run KVM guests by env-check's rule (the same the host report states:
 * /dev/kvm alone is not enough without VT-x/AMD-V and the modules); otherwise TCG with a
 * warning, or an error where the request insists.
 */
export function chooseAccelerator(request: UserVmRequest, env: EnvironmentData, report: CheckReport): HostFit["accelerator"] {
  const unfit = kvmUnfitReasons(kvmChecks(env));
  const kvmUsable = unfit.length === 0;
  const kvmWhy = kvmUsable ? "" : kvmReason(env, unfit);
  let accelerator: HostFit["accelerator"];
  if (request.vm.accel === "tcg") accelerator = { type: "tcg", reason: 'accel = "tcg" was requested' };
  else if (kvmUsable) accelerator = { type: "kvm", reason: "/dev/kvm is present" };
  else if (request.vm.accel === "kvm") {
    accelerator = { type: "tcg", reason: kvmWhy };
    report.problem("E_KVM_UNAVAILABLE", ["vm", "accel"], `accel = "kvm" was requested, but ${kvmWhy}`, {
      received: '"kvm"',
      expected: 'a host with /dev/kvm, or accel = "auto" / "tcg" (software emulation, much slower)',
      fix: kvmFix(env),
    });
  } else {
    accelerator = { type: "tcg", reason: `${kvmWhy}; using TCG software emulation` };
    report.warn({ code: "W_KVM_UNAVAILABLE", text: `KVM is not available (${kvmWhy}): the VM will run under TCG, many times slower.`, fix: kvmFix(env) });
  }
  if (accelerator.type === "tcg" && (request.cpu.model === "host-passthrough" || request.cpu.model === "host-model")) {
    report.warn({ code: "W_CPU_MODEL_TCG", text: `cpu model "${request.cpu.model}" needs KVM; under TCG the VM gets QEMU's "max" model.` });
  }
  return accelerator;
}

function kvmReason(env: EnvironmentData, unfit: readonly string[]): string {
  const { vmx, svm, hypervisor } = env.cpu.virtualization;
  const device = env.kvm.devicePresent ? "/dev/kvm is present but unusable" : "/dev/kvm is missing";
  if (!vmx && !svm) return hypervisor ? `${device} and the CPU (itself virtual) offers no VT-x/AMD-V` : `${device} and the CPU offers no VT-x/AMD-V`;
  if (!env.kvm.modules.kvm) return `${device}: the kvm module is not loaded`;
  return env.kvm.devicePresent ? `${device}: ${unfit.join("; ")}` : device;
}

function kvmFix(env: EnvironmentData): string {
  const { vmx, svm, hypervisor } = env.cpu.virtualization;
  if (!vmx && !svm) return hypervisor ? "Enable nested virtualization on the outer hypervisor, or run on bare metal." : "Enable VT-x/AMD-V (SVM) in the firmware setup.";
  return `Load the module: \`sudo modprobe ${env.cpu.vendor === "amd" ? "kvm_amd" : "kvm_intel"}\`, and check /dev/kvm's permissions (group kvm).`;
}
