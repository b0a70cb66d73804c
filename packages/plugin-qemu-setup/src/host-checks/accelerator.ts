import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/** KVM when /dev/kvm exists; otherwise TCG with a warning, or an error where the request insists. */
export function chooseAccelerator(request: UserVmRequest, env: EnvironmentData, report: CheckReport): HostFit["accelerator"] {
  const kvmUsable = env.kvm.devicePresent;
  const kvmWhy = kvmReason(env);
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

function kvmReason(env: EnvironmentData): string {
  const { vmx, svm, hypervisor } = env.cpu.virtualization;
  if (!vmx && !svm) return hypervisor ? "/dev/kvm is missing and the CPU (itself virtual) offers no VT-x/AMD-V" : "/dev/kvm is missing and the CPU offers no VT-x/AMD-V";
  if (!env.kvm.modules.kvm) return "/dev/kvm is missing: the kvm module is not loaded";
  return "/dev/kvm is missing";
}

function kvmFix(env: EnvironmentData): string {
  const { vmx, svm, hypervisor } = env.cpu.virtualization;
  if (!vmx && !svm) return hypervisor ? "Enable nested virtualization on the outer hypervisor, or run on bare metal." : "Enable VT-x/AMD-V (SVM) in the firmware setup.";
  return `Load the module: \`sudo modprobe ${env.cpu.vendor === "amd" ? "kvm_amd" : "kvm_intel"}\`, and check /dev/kvm's permissions (group kvm).`;
}
