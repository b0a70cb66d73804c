import type { HostRoot } from "@vmforge/kernel";
import type { CpuInfo, IommuInfo, KernelCmdline } from "../contract.js";
import { PCI_ADDRESS } from "./sysfs-values.js";

const GROUPS_DIR = "/sys/kernel/iommu_groups";

/**
 * IOMMU groups from /sys/kernel/iommu_groups. Enabled means at least one group exists, whatever
 * the command line says (Ubuntu 6.8 and others turn the Intel IOMMU on by default). The reason
 * names what we saw: the ACPI table (DMAR/IVRS), the command line, a hypervisor.
 */
export async function readIommu(host: HostRoot, cmdline: KernelCmdline, cpu: CpuInfo): Promise<IommuInfo> {
  const [groupNames, dmar, ivrs] = await Promise.all([
    host.list(GROUPS_DIR),
    host.exists("/sys/firmware/acpi/tables/DMAR"),
    host.exists("/sys/firmware/acpi/tables/IVRS"),
  ]);
  const numbered = groupNames.filter((name) => /^\d+$/.test(name));
  const groups = await Promise.all(
    numbered.map(async (name) => ({
      id: Number(name),
      devices: (await host.list(`${GROUPS_DIR}/${name}/devices`)).filter((address) => PCI_ADDRESS.test(address)).sort(),
    })),
  );
  groups.sort((a, b) => a.id - b.id);
  const firmwareTable = dmar ? "DMAR" : ivrs ? "IVRS" : null;
  const acsOverride = cmdline.pcieAcsOverride !== null;
  const enabled = groups.length > 0;
  return { enabled, reason: explain(enabled, groups.length, firmwareTable, cmdline, cpu), firmwareTable, acsOverride, groups };
}

function explain(enabled: boolean, count: number, table: "DMAR" | "IVRS" | null, cmdline: KernelCmdline, cpu: CpuInfo): string {
  if (enabled) return `${count} IOMMU group${count === 1 ? "" : "s"} under /sys/kernel/iommu_groups${table ? ` (${table} table present)` : ""}`;
  const off = [
    cmdline.intelIommu === "off" ? "intel_iommu=off" : undefined,
    cmdline.amdIommu === "off" ? "amd_iommu=off" : undefined,
    cmdline.iommu === "off" ? "iommu=off" : undefined,
  ].filter(Boolean);
  if (off.length) return `turned off on the kernel command line (${off.join(" ")})`;
  if (cpu.virtualization.hypervisor) return "no IOMMU groups: this is a virtual machine without a virtual IOMMU";
  if (table === "DMAR" && cmdline.intelIommu === null) return "the firmware offers VT-d (DMAR table) but the kernel did not turn it on (no intel_iommu=on)";
  if (table) return `the firmware announces an IOMMU (${table} table) but the kernel created no groups`;
  const setting = cpu.vendor === "amd" ? "AMD-Vi/IOMMU" : "VT-d";
  return `no IOMMU groups and no ${cpu.vendor === "amd" ? "IVRS" : "DMAR"} table: ${setting} is off in the firmware or absent`;
}
