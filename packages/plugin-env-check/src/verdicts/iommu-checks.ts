import type { Check, EnvironmentData } from "../contract.js";
import { addKernelParameter, removeKernelParameter } from "./kernel-parameter.js";

/** `iommu=` values the x86 kernel documents. */
const IOMMU_VALUES = new Set(["off", "force", "noforce", "biomerge", "panic", "nopanic", "merge", "nomerge", "soft", "pt", "nopt", "forcesac", "allowdac", "nodac", "usedac", "calgary", "igfx_off", "noagp", "noaperture"]);

/** How to turn the IOMMU on for this CPU vendor (firmware, then kernel). */
export function iommuFix(env: EnvironmentData): string {
  if (env.cpu.virtualization.hypervisor) return "Inside a VM: give it a virtual IOMMU (QEMU `-device intel-iommu` or `-device amd-iommu` with `-machine q35`), or run on bare metal.";
  const cmdline = env.kernel.cmdline;
  const off = ["intel_iommu=off", "amd_iommu=off", "iommu=off"].filter((parameter) => {
    const [key, value] = parameter.split("=");
    return cmdline.params.some((param) => param.key === key && param.value === value);
  });
  if (off.length) return `${removeKernelParameter(off.join(" "))}.`;
  if (env.cpu.vendor === "amd") return `Enable "IOMMU" (AMD-Vi) in the BIOS/UEFI setup (often under Advanced > AMD CBS > NBIO); the kernel turns it on by itself when the firmware announces it; if groups still do not appear, ${addKernelParameter("amd_iommu=on iommu=pt")}.`;
  return `Enable "VT-d" (Intel Virtualization Technology for Directed I/O) in the BIOS/UEFI setup, and ${addKernelParameter("intel_iommu=on iommu=pt")}.`;
}

export function iommuChecks(env: EnvironmentData): Check[] {
  const { iommu } = env;
  const cmdline = env.kernel.cmdline;
  const checks: Check[] = [];
  checks.push(
    iommu.enabled
      ? { id: "iommu.enabled", status: "pass", message: iommu.reason }
      : { id: "iommu.enabled", status: "warn", message: `IOMMU is off: ${iommu.reason}; PCI passthrough is impossible`, fix: iommuFix(env) },
  );

  if (cmdline.iommu !== null && !IOMMU_VALUES.has(cmdline.iommu)) {
    const meant = cmdline.iommu.startsWith("pt") ? "pt" : undefined;
    checks.push({
      id: "iommu.cmdline",
      status: "warn",
      message: `\`iommu=${cmdline.iommu}\` on the kernel command line is not a documented value${meant ? ` (the kernel matches it by prefix and treats it as iommu=${meant})` : ""}`,
      fix: meant ? `Correct the spelling: replace \`iommu=${cmdline.iommu}\` with \`iommu=pt\` in /etc/default/grub, run \`sudo update-grub\`.` : `Replace \`iommu=${cmdline.iommu}\` with \`iommu=pt\` (or remove it) in /etc/default/grub, run \`sudo update-grub\`.`,
    });
  }
  if (cmdline.intelIommu !== null && env.cpu.vendor === "amd") {
    checks.push({ id: "iommu.cmdline_vendor", status: "warn", message: `\`intel_iommu=${cmdline.intelIommu}\` has no effect on an AMD CPU`, fix: "Use `amd_iommu=` options on AMD hosts (the AMD IOMMU is on by default when the firmware enables it)." });
  }
  if (cmdline.amdIommu !== null && env.cpu.vendor === "intel") {
    checks.push({ id: "iommu.cmdline_vendor", status: "warn", message: `\`amd_iommu=${cmdline.amdIommu}\` has no effect on an Intel CPU`, fix: addKernelParameter("intel_iommu=on") });
  }

  if (iommu.enabled) {
    checks.push(
      cmdline.iommuPassthrough || cmdline.iommu?.startsWith("pt")
        ? { id: "iommu.passthrough_mode", status: "pass", message: `iommu=${cmdline.iommu}${cmdline.iommuPassthrough ? "" : " (read as pt)"}: host devices use identity mapping (no translation overhead)` }
        : { id: "iommu.passthrough_mode", status: "pass", message: "iommu=pt not set (optional: it spares host devices the translation overhead)" },
    );
  }

  if (iommu.acsOverride) {
    checks.push({
      id: "iommu.acs_override",
      status: "warn",
      message: `pcie_acs_override=${cmdline.pcieAcsOverride} is set: IOMMU groups are split by a kernel patch and prove no isolation; a guest may reach devices of other groups by peer-to-peer DMA`,
      fix: `If you do not accept that risk, ${removeKernelParameter(`pcie_acs_override=${cmdline.pcieAcsOverride}`)}, and put the GPU in a slot with a clean group.`,
    });
  }
  return checks;
}
