import type { Check, EnvironmentData } from "../contract.js";

/** The KVM prerequisites: CPU virtualization, second-level paging, the modules, /dev/kvm. */
export function kvmChecks(env: EnvironmentData): Check[] {
  const { cpu, kvm } = env;
  const { vmx, svm, ept, npt, hypervisor } = cpu.virtualization;
  const amd = cpu.vendor === "amd";
  const extension = amd ? "AMD-V (svm)" : "VT-x (vmx)";
  const firmwareSetting = amd ? "SVM Mode (AMD-V)" : "Intel Virtualization Technology (VT-x)";
  const vendorModule = amd ? "kvm_amd" : "kvm_intel";
  const checks: Check[] = [];
  const hasVirtualization = vmx || svm;

  if (cpu.flags.length === 0) {
    checks.push({ id: "cpu.virtualization", status: "fail", message: "/proc/cpuinfo is missing or has no flags line", fix: "Run vmforge on a Linux host with /proc mounted (or give --host-root a snapshot that has proc/cpuinfo)." });
  } else if (hasVirtualization) {
    checks.push({ id: "cpu.virtualization", status: "pass", message: `${cpu.model ?? "the CPU"} offers ${vmx ? "VT-x (vmx)" : "AMD-V (svm)"}${hypervisor ? " (nested, inside a VM)" : ""}` });
  } else if (hypervisor) {
    checks.push({
      id: "cpu.virtualization",
      status: "fail",
      message: `inside a virtual machine (hypervisor flag) whose virtual CPU does not offer ${extension}`,
      fix: `Enable nested virtualization on the outer host (\`options ${vendorModule} nested=1\`) and give this VM the host CPU (\`-cpu host\` / host-passthrough), or run vmforge on bare metal.`,
    });
  } else {
    checks.push({
      id: "cpu.virtualization",
      status: "fail",
      message: `the CPU does not offer ${extension}: it is off in the firmware or absent`,
      fix: `Enable "${firmwareSetting}" in the BIOS/UEFI setup, save, and power the machine off and on.`,
    });
  }

  if (hasVirtualization) {
    const paging = vmx ? ept : npt;
    checks.push(
      paging
        ? { id: "cpu.second_level_paging", status: "pass", message: `${vmx ? "EPT" : "NPT"} present: guests get hardware-assisted paging` }
        : {
            id: "cpu.second_level_paging",
            status: "warn",
            message: `no ${vmx ? "EPT" : "NPT"}: KVM falls back to shadow paging, guests run slower`,
            fix: vmx ? "Enable EPT in the firmware setup if it offers it; otherwise expect slower guests on this CPU." : "Enable NPT/SVM in the firmware setup if it offers it; otherwise expect slower guests on this CPU.",
          },
    );
  }

  const vendorLoaded = kvm.modules.kvmIntel || kvm.modules.kvmAmd;
  if (kvm.modules.kvm && vendorLoaded) {
    checks.push({ id: "kvm.module", status: "pass", message: `kvm and ${kvm.modules.kvmIntel ? "kvm_intel" : "kvm_amd"} are loaded (or built in)` });
  } else {
    const missing = [kvm.modules.kvm ? undefined : "kvm", vendorLoaded ? undefined : vendorModule].filter(Boolean).join(" and ");
    checks.push({
      id: "kvm.module",
      status: "fail",
      message: `${missing} not loaded${hasVirtualization ? "" : ` (${vendorModule} cannot load without ${extension})`}`,
      fix: hasVirtualization ? `\`sudo modprobe ${vendorModule}\`; to load it at boot: \`echo ${vendorModule} | sudo tee /etc/modules-load.d/kvm.conf\`` : `First make ${extension} available (see cpu.virtualization), then \`sudo modprobe ${vendorModule}\`.`,
    });
  }

  if (kvm.devicePresent) {
    checks.push({ id: "kvm.device", status: "pass", message: "/dev/kvm exists" });
  } else {
    checks.push({
      id: "kvm.device",
      status: "fail",
      message: `/dev/kvm does not exist${!hasVirtualization ? ` (no ${extension})` : !vendorLoaded ? ` (${vendorModule} not loaded)` : ""}: guests would run emulated, without KVM`,
      fix: !hasVirtualization
        ? hypervisor
          ? `Enable nested virtualization on the outer host and pass the host CPU through to this VM, or run on bare metal.`
          : `Enable "${firmwareSetting}" in the BIOS/UEFI setup, then \`sudo modprobe ${vendorModule}\`.`
        : !vendorLoaded
          ? `\`sudo modprobe ${vendorModule}\``
          : "Check `sudo dmesg | grep -i kvm` for the reason KVM refused to start (it is often disabled by the firmware).",
    });
  }

  if (kvm.nested !== null) {
    checks.push({ id: "kvm.nested", status: "pass", message: `nested virtualization is ${kvm.nested ? "on" : "off"} (only needed to run hypervisors inside guests)` });
  }
  return checks;
}

/**
 * The checks that decide whether the host can run KVM guests: any of them failing means it
 * cannot. The summary line and the exit code come from these alone, so the report never says
 * FAIL above "This host can run KVM guests".
 */
export function isKvmPrerequisite(check: Check): boolean {
  return check.id.startsWith("cpu.") || check.id.startsWith("kvm.");
}

/**
 * Why the host cannot run KVM guests (`check id: message` of each failing prerequisite); empty
 * when it can. The host report and anything that chooses an accelerator use this one rule.
 */
export function kvmUnfitReasons(checks: readonly Check[]): string[] {
  return checks.filter((check) => check.status === "fail" && isKvmPrerequisite(check)).map((check) => `${check.id}: ${check.message}`);
}
