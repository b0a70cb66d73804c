import { definePlugin, packageInfo } from "@vmforge/kernel";

const PROVIDER = "@vmforge/plugin-env-check";

/** Manifest only: listing or planning never loads a stage, a reader or zod. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  stages: [
    {
      id: "env_check:gather_os_info",
      description: "Reads /etc/os-release, the kernel release and command line, OVMF firmware and QEMU programs",
      writes: ["host_os"],
      load: () => import("./stages/gather-os-info.js"),
    },
    {
      id: "env_check:gather_cpu_info",
      description: "Reads /proc/cpuinfo (vendor, topology, vmx/svm, ept/npt, hypervisor), each CPU's core, SMT siblings, L3 group and NUMA node under /sys/devices/system, and /dev/kvm with the kvm modules",
      writes: ["host_cpu"],
      load: () => import("./stages/gather-cpu-info.js"),
    },
    {
      id: "env_check:gather_memory_info",
      description: "Reads /proc/meminfo and the hugepage pools under /sys/kernel/mm/hugepages",
      writes: ["host_memory"],
      load: () => import("./stages/gather-memory-info.js"),
    },
    {
      id: "env_check:gather_gpu_info",
      description: "Reads every PCI device under /sys/bus/pci/devices and groups GPU functions",
      writes: ["host_pci"],
      load: () => import("./stages/gather-gpu-info.js"),
    },
    {
      id: "env_check:check_iommu",
      description: "Reads the IOMMU groups under /sys/kernel/iommu_groups and why the IOMMU is on or off",
      writes: ["host_iommu"],
      load: () => import("./stages/check-iommu.js"),
    },
    {
      id: "env_check:gather_kernel_modules",
      description: "Reads /proc/modules and the kvm, vfio and GPU driver modules under /sys/module",
      writes: ["host_modules"],
      load: () => import("./stages/gather-kernel-modules.js"),
    },
    {
      id: "env_check:gather_storage",
      description: "Reads the block devices under /sys/block",
      writes: ["host_storage"],
      load: () => import("./stages/gather-storage.js"),
    },
    {
      id: "env_check:gather_network",
      description: "Reads the network interfaces and bridges under /sys/class/net",
      writes: ["host_network"],
      load: () => import("./stages/gather-network.js"),
    },
    {
      id: "env_check:finalize_host_report",
      description: "Writes session.environment_data and the host report (checks and GPU passthrough verdicts)",
      reads: ["host_os", "host_cpu", "host_memory", "host_pci", "host_iommu", "host_modules", "host_storage", "host_network"].map((key) => ({ key, provider: PROVIDER })),
      writes: ["environment_data", "host_report"],
      load: () => import("./stages/finalize-host-report.js"),
    },
  ],
});
