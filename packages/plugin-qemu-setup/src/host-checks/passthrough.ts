import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/** PCI passthrough needs the IOMMU, KVM and a plugin that hands the devices over. */
export function checkPassthrough(request: UserVmRequest, env: EnvironmentData, accelerator: HostFit["accelerator"], passthroughHandled: boolean, report: CheckReport): void {
  if (request.passthrough.length > 0) {
    if (!env.iommu.enabled) {
      report.problem("E_IOMMU_DISABLED", ["passthrough", 0], `PCI passthrough needs the IOMMU, which is off: ${env.iommu.reason}`, {
        received: `${request.passthrough.length} [[passthrough]] device${request.passthrough.length === 1 ? "" : "s"}`,
        expected: "a host with the IOMMU on",
        fix: `Enable ${env.cpu.vendor === "amd" ? "AMD-Vi/IOMMU (SVM)" : "VT-d"} in the firmware setup and boot with ${env.cpu.vendor === "amd" ? "amd_iommu=on" : "intel_iommu=on"} iommu=pt.`,
      });
    }
    if (accelerator.type !== "kvm") {
      report.problem("E_PASSTHROUGH_NEEDS_KVM", ["passthrough", 0], "PCI passthrough needs KVM; this VM would run under TCG", { received: accelerator.reason, expected: "a host with /dev/kvm" });
    }
    if (!passthroughHandled) {
      report.problem("E_PASSTHROUGH_UNSUPPORTED", ["passthrough", 0], "[[passthrough]] needs @vmforge/plugin-vfio-configurator, which is not installed", {
        received: "[[passthrough]]",
        expected: "the VFIO configurator plugin installed",
        fix: "`npm install @vmforge/plugin-vfio-configurator` in your project, or remove the [[passthrough]] tables.",
      });
    }
  }
}
