import { z } from "@vmforge/kernel/zod";
import { defineSessionKey } from "@vmforge/kernel";
import { GPU_VERDICTS } from "./verdicts/verdict-order.js";

/**
 * The public contract of @vmforge/plugin-env-check: the shape of `session.environment_data`
 * (host facts) and `session.host_report` (checks and GPU verdicts). Field names are camelCase;
 * a fact the host did not reveal is `null`, never guessed. Sizes are bytes.
 */

/** Full PCI address: domain, bus, slot, function, lower case: `0000:01:00.0`. */
export const PciAddressSchema = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, "a full PCI address like 0000:01:00.0");
/** Four lower-case hex digits: a PCI vendor or device id, `10de`. */
export const PciIdSchema = z.string().regex(/^[0-9a-f]{4}$/);

export const OsInfoSchema = z.object({
  /** `ID` of /etc/os-release, e.g. `debian`. */
  id: z.string().nullable(),
  name: z.string().nullable(),
  prettyName: z.string().nullable(),
  versionId: z.string().nullable(),
});

export const KernelCmdlineSchema = z.object({
  /** /proc/cmdline as read, trimmed. */
  raw: z.string(),
  /** Every `key` or `key=value` in order; `value` is null for a bare switch. */
  params: z.array(z.object({ key: z.string(), value: z.string().nullable() })),
  /** Value of `intel_iommu=` (`on`, `off`, `sm_on`...), null when absent. */
  intelIommu: z.string().nullable(),
  /** Value of `amd_iommu=`, null when absent. */
  amdIommu: z.string().nullable(),
  /** Value of `iommu=` (`pt`, `on`, `off`, or whatever was typed), null when absent. */
  iommu: z.string().nullable(),
  /** True when `iommu=pt` is set exactly. */
  iommuPassthrough: z.boolean(),
  /** `vfio-pci.ids=` split into `vendor:device` pairs, lower case. */
  vfioPciIds: z.array(z.string()),
  /** Value of `pcie_acs_override=` (`downstream,multifunction`...), null when absent. */
  pcieAcsOverride: z.string().nullable(),
  /** `hugepages=` count, null when absent. */
  hugepages: z.number().int().nullable(),
  hugepagesz: z.string().nullable(),
  defaultHugepagesz: z.string().nullable(),
  isolcpus: z.string().nullable(),
});

export const KernelInfoSchema = z.object({
  /** /proc/sys/kernel/osrelease, e.g. `6.8.0-49-generic`. */
  release: z.string().nullable(),
  cmdline: KernelCmdlineSchema,
});

export const CpuVendorSchema = z.enum(["intel", "amd", "other", "unknown"]);

export const CpuInfoSchema = z.object({
  vendor: CpuVendorSchema,
  /** `vendor_id` of /proc/cpuinfo: `GenuineIntel`, `AuthenticAMD`. */
  vendorId: z.string().nullable(),
  /** `model name`, e.g. `AMD Ryzen 7 2700X Eight-Core Processor`. */
  model: z.string().nullable(),
  family: z.number().int().nullable(),
  sockets: z.number().int().nonnegative(),
  coresPerSocket: z.number().int().nonnegative(),
  threadsPerCore: z.number().int().nonnegative(),
  logicalCpus: z.number().int().nonnegative(),
  /** Flags of the first processor, as listed. */
  flags: z.array(z.string()),
  /** The flags virtualization depends on, as booleans. */
  virtualization: z.object({
    vmx: z.boolean(),
    svm: z.boolean(),
    ept: z.boolean(),
    npt: z.boolean(),
    /** True when we run inside a virtual machine. */
    hypervisor: z.boolean(),
    avx2: z.boolean(),
  }),
});

/** One logical CPU as /sys/devices/system/cpu/cpuN tells it; null where the kernel does not say. */
export const HostCpuSchema = z.object({
  /** N of cpuN: the number taskset, isolcpus and libvirt's cpuset use. */
  cpu: z.number().int().nonnegative(),
  online: z.boolean(),
  /** topology/core_id: unique within a package (and die), not across the machine. */
  core: z.number().int().nullable(),
  /** topology/physical_package_id: the socket. */
  package: z.number().int().nullable(),
  die: z.number().int().nullable(),
  /** topology/thread_siblings_list: the logical CPUs of the same core, this one included. */
  threadSiblings: z.array(z.number().int().nonnegative()),
  /** The level-3 cache's shared_cpu_list (cache/indexN with level 3); null without an L3. */
  l3: z.array(z.number().int().nonnegative()).nullable(),
  /** The NUMA node whose cpulist holds it; null without /sys/devices/system/node. */
  node: z.number().int().nonnegative().nullable(),
});

export const NumaNodeSchema = z.object({
  id: z.number().int().nonnegative(),
  cpus: z.array(z.number().int().nonnegative()),
});

/** Where each logical CPU sits; empty lists when the host hides it (a container). */
export const CpuTopologySchema = z.object({
  cpus: z.array(HostCpuSchema),
  nodes: z.array(NumaNodeSchema),
});

export const HugepagePoolSchema = z.object({
  sizeBytes: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  free: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative().nullable(),
  surplus: z.number().int().nonnegative().nullable(),
});

export const MemoryInfoSchema = z.object({
  totalBytes: z.number().int().nonnegative().nullable(),
  availableBytes: z.number().int().nonnegative().nullable(),
  hugepages: z.object({
    /** `Hugepagesize` of /proc/meminfo. */
    defaultSizeBytes: z.number().int().positive().nullable(),
    /** One per /sys/kernel/mm/hugepages/hugepages-<size>kB, smallest first. */
    pools: z.array(HugepagePoolSchema),
  }),
  /** The selected mode of /sys/kernel/mm/transparent_hugepage/enabled: `always`, `madvise`, `never`. */
  transparentHugepages: z.string().nullable(),
});

export const KvmInfoSchema = z.object({
  /** /dev/kvm exists. */
  devicePresent: z.boolean(),
  /** The kernel has it: listed in /proc/modules or present under /sys/module (loaded, or built in). */
  modules: z.object({ kvm: z.boolean(), kvmIntel: z.boolean(), kvmAmd: z.boolean() }),
  /** `nested` parameter of kvm_intel or kvm_amd; null when neither is loaded. */
  nested: z.boolean().nullable(),
});

export const FirmwareImageSchema = z.object({
  /** Absolute host path, as the descriptor names it. */
  filename: z.string(),
  /** `raw` or `qcow2`. */
  format: z.string(),
  /** Whether the file is there (below the host root). */
  exists: z.boolean(),
});

/** A QEMU firmware descriptor (docs/interop/firmware.json), the fields vmforge uses. */
export const FirmwareDescriptorSchema = z.object({
  /** The descriptor's host path, e.g. /usr/share/qemu/firmware/60-edk2-x86_64.json. */
  path: z.string(),
  description: z.string().nullable(),
  /** `uefi`, `bios`, `openfirmware`... */
  interfaceTypes: z.array(z.string()),
  /** `flash`, `memory` or `kernel`. */
  device: z.string(),
  /** For flash: `split` (code + vars template), `combined` or `stateless`; null otherwise. */
  mode: z.string().nullable(),
  executable: FirmwareImageSchema.nullable(),
  nvramTemplate: FirmwareImageSchema.nullable(),
  targets: z.array(z.object({ architecture: z.string(), machines: z.array(z.string()) })),
  /** `secure-boot`, `enrolled-keys`, `requires-smm`, `amd-sev`... */
  features: z.array(z.string()),
});

export const FirmwareInfoSchema = z.object({
  /**
   * QEMU's firmware descriptors in order of preference (file name order, a later folder's file
   * replacing an earlier one of the same name, as QEMU and libvirt read them).
   */
  descriptors: z.array(FirmwareDescriptorSchema),
  /** The descriptor folders read, lowest precedence first. */
  descriptorDirs: z.array(z.string()),
  /** Descriptors set aside, with the reason. */
  invalidDescriptors: z.array(z.object({ path: z.string(), reason: z.string() })),
  /** OVMF/edk2 code images found by file name (the fallback for hosts without descriptors). */
  ovmfCode: z.array(z.string()),
  /** OVMF variable-store templates found, e.g. /usr/share/OVMF/OVMF_VARS_4M.fd. */
  ovmfVars: z.array(z.string()),
  /** The folders searched, in order. */
  searchedDirs: z.array(z.string()),
  /** QEMU programs found in /usr/local/bin, /usr/bin, /bin (in that order), or null. */
  binaries: z.object({ qemuSystemX86_64: z.string().nullable(), qemuImg: z.string().nullable() }),
});

export const PciDeviceSchema = z.object({
  address: PciAddressSchema,
  vendorId: PciIdSchema,
  deviceId: PciIdSchema,
  subsystemVendorId: PciIdSchema.nullable(),
  subsystemDeviceId: PciIdSchema.nullable(),
  /** Six hex digits: base class, subclass, programming interface (`030000` = VGA). */
  classCode: z.string().regex(/^[0-9a-f]{6}$/),
  /** From pci.ids, e.g. `VGA compatible controller`. */
  className: z.string().nullable(),
  vendorName: z.string().nullable(),
  deviceName: z.string().nullable(),
  /** `vendorName deviceName`, or `vendor:device` ids when the names are unknown. */
  name: z.string(),
  /** The bound driver (`vfio-pci`, `nvidia`, `amdgpu`...), null when unbound. */
  driver: z.string().nullable(),
  iommuGroup: z.number().int().nonnegative().nullable(),
  /** `boot_vga` of a display device; null for other devices. */
  bootVga: z.boolean().nullable(),
  /** `reset_method` split on spaces (`flr bus`...); null when the kernel does not say. */
  resetMethods: z.array(z.string()).nullable(),
  numaNode: z.number().int().nullable(),
});

/** A display-class device and the functions that belong to it (HDMI audio, USB-C, UCSI). */
export const GpuInfoSchema = z.object({
  address: PciAddressSchema,
  name: z.string(),
  vendorId: PciIdSchema,
  deviceId: PciIdSchema,
  driver: z.string().nullable(),
  bootVga: z.boolean().nullable(),
  /** The GPU's own address first, then its sibling functions on the same slot and vendor. */
  functions: z.array(PciAddressSchema),
  /** The IOMMU groups those functions sit in, ascending; empty when the IOMMU is off. */
  groups: z.array(z.number().int().nonnegative()),
  /** Has an HDMI/DP audio function. */
  hasAudio: z.boolean(),
});

export const IommuGroupSchema = z.object({
  id: z.number().int().nonnegative(),
  devices: z.array(PciAddressSchema),
});

export const IommuInfoSchema = z.object({
  /** True when /sys/kernel/iommu_groups holds at least one group. */
  enabled: z.boolean(),
  /** Why we say so, for a person. */
  reason: z.string(),
  /** The ACPI table that announces an IOMMU: DMAR (Intel VT-d), IVRS (AMD-Vi), or null when neither is visible. */
  firmwareTable: z.enum(["DMAR", "IVRS"]).nullable(),
  /** `pcie_acs_override` is on: the groups are synthetic and prove no isolation. */
  acsOverride: z.boolean(),
  groups: z.array(IommuGroupSchema),
});

export const ModulesInfoSchema = z.object({
  /** Names from /proc/modules (loadable modules that are loaded), sorted. */
  loaded: z.array(z.string()),
  /** `proc-modules` when /proc/modules was readable, `unavailable` when not (a kernel without module support). */
  source: z.enum(["proc-modules", "unavailable"]),
  /** The modules that matter here (vfio, vfio_pci, vfio_iommu_type1, kvm, kvm_intel, kvm_amd, GPU drivers) the kernel has: listed in /proc/modules or present under /sys/module (loaded, or built in). */
  relevant: z.array(z.string()),
});

export const BlockDeviceSchema = z.object({
  name: z.string(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  rotational: z.boolean().nullable(),
  removable: z.boolean().nullable(),
  readOnly: z.boolean().nullable(),
  /** Loop, zram, device-mapper and other devices without hardware behind them. */
  virtual: z.boolean(),
  model: z.string().nullable(),
  vendor: z.string().nullable(),
  partitions: z.array(z.string()),
});

export const NetworkInterfaceSchema = z.object({
  name: z.string(),
  kind: z.enum(["loopback", "bridge", "physical", "virtual"]),
  bridge: z.boolean(),
  /** Ports of a bridge (from /sys/class/net/<br>/brif). */
  members: z.array(z.string()),
  /** The bridge or bond this interface is enslaved to. */
  master: z.string().nullable(),
  operstate: z.string().nullable(),
  mtu: z.number().int().nullable(),
  pciAddress: PciAddressSchema.nullable(),
  driver: z.string().nullable(),
});

export const EnvironmentDataSchema = z.object({
  schemaVersion: z.literal(1),
  os: OsInfoSchema,
  kernel: KernelInfoSchema,
  cpu: CpuInfoSchema,
  /** Absent in environment data saved before topology was read: empty. */
  topology: CpuTopologySchema.default({ cpus: [], nodes: [] }),
  memory: MemoryInfoSchema,
  kvm: KvmInfoSchema,
  firmware: FirmwareInfoSchema,
  pci: z.object({ devices: z.array(PciDeviceSchema) }),
  gpus: z.array(GpuInfoSchema),
  iommu: IommuInfoSchema,
  modules: ModulesInfoSchema,
  storage: z.object({ blockDevices: z.array(BlockDeviceSchema) }),
  network: z.object({ interfaces: z.array(NetworkInterfaceSchema) }),
});

export const CheckStatusSchema = z.enum(["pass", "warn", "fail"]);

export const CheckSchema = z.object({
  /** Stable, e.g. `kvm.cpu_virtualization`, `iommu.enabled`. */
  id: z.string(),
  status: CheckStatusSchema,
  /** What was found. */
  message: z.string(),
  /** The exact remedy (kernel parameter, module, firmware setting) when status is not pass. */
  fix: z.string().optional(),
});

/** Worst first: the verdict of a GPU is the worst that applies. */
export { GPU_VERDICTS };
export const GpuVerdictSchema = z.enum(GPU_VERDICTS);

export const GroupMateSchema = z.object({
  address: PciAddressSchema,
  name: z.string(),
  /** `host-needed`: USB, storage, network, another display... the host keeps; `movable`: could go to the guest with the GPU. */
  role: z.enum(["host-needed", "movable"]),
});

export const GpuReportSchema = z.object({
  address: PciAddressSchema,
  name: z.string(),
  driver: z.string().nullable(),
  /** The group of the GPU function itself; null when the IOMMU is off. */
  group: z.number().int().nonnegative().nullable(),
  /** Every group its functions occupy. */
  groups: z.array(z.number().int().nonnegative()),
  functions: z.array(PciAddressSchema),
  verdict: GpuVerdictSchema,
  /** Every reason that applies, worst first, naming each device involved. */
  reasons: z.array(z.string()),
  /** Other endpoints sharing its groups (bridges left out). */
  groupMates: z.array(GroupMateSchema),
});

export const HostReportSchema = z.object({
  checks: z.array(CheckSchema),
  gpus: z.array(GpuReportSchema),
  /** The host can run KVM guests: no `cpu.*` or `kvm.*` check fails (the CPU offers VT-x or AMD-V, kvm and its vendor module are loaded, /dev/kvm exists). */
  kvmUsable: z.boolean(),
  /** Why the host cannot run KVM guests; empty when it can. */
  unfitReasons: z.array(z.string()),
});

export type PciAddress = z.infer<typeof PciAddressSchema>;
export type OsInfo = z.infer<typeof OsInfoSchema>;
export type KernelCmdline = z.infer<typeof KernelCmdlineSchema>;
export type KernelInfo = z.infer<typeof KernelInfoSchema>;
export type CpuVendor = z.infer<typeof CpuVendorSchema>;
export type CpuInfo = z.infer<typeof CpuInfoSchema>;
export type HostCpu = z.infer<typeof HostCpuSchema>;
export type NumaNode = z.infer<typeof NumaNodeSchema>;
export type CpuTopology = z.infer<typeof CpuTopologySchema>;
export type HugepagePool = z.infer<typeof HugepagePoolSchema>;
export type MemoryInfo = z.infer<typeof MemoryInfoSchema>;
export type KvmInfo = z.infer<typeof KvmInfoSchema>;
export type FirmwareInfo = z.infer<typeof FirmwareInfoSchema>;
export type FirmwareDescriptor = z.infer<typeof FirmwareDescriptorSchema>;
export type FirmwareImage = z.infer<typeof FirmwareImageSchema>;
export type PciDevice = z.infer<typeof PciDeviceSchema>;
export type GpuInfo = z.infer<typeof GpuInfoSchema>;
export type IommuGroup = z.infer<typeof IommuGroupSchema>;
export type IommuInfo = z.infer<typeof IommuInfoSchema>;
export type ModulesInfo = z.infer<typeof ModulesInfoSchema>;
export type BlockDevice = z.infer<typeof BlockDeviceSchema>;
export type NetworkInterface = z.infer<typeof NetworkInterfaceSchema>;
export type EnvironmentData = z.infer<typeof EnvironmentDataSchema>;
export type CheckStatus = z.infer<typeof CheckStatusSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type GpuVerdict = z.infer<typeof GpuVerdictSchema>;
export type GroupMate = z.infer<typeof GroupMateSchema>;
export type GpuReport = z.infer<typeof GpuReportSchema>;
export type HostReport = z.infer<typeof HostReportSchema>;

/** What the gather stages hand to `env_check:finalize_host_report`. */
export const HostOsFactsSchema = z.object({ os: OsInfoSchema, kernel: KernelInfoSchema, firmware: FirmwareInfoSchema });
export const HostCpuFactsSchema = z.object({ cpu: CpuInfoSchema, kvm: KvmInfoSchema, topology: CpuTopologySchema.default({ cpus: [], nodes: [] }) });
export const HostPciFactsSchema = z.object({ devices: z.array(PciDeviceSchema), gpus: z.array(GpuInfoSchema) });
export type HostOsFacts = z.infer<typeof HostOsFactsSchema>;
export type HostCpuFacts = z.infer<typeof HostCpuFactsSchema>;
export type HostPciFacts = z.infer<typeof HostPciFactsSchema>;

/** `session.environment_data`: every host fact. Consumers: qemu-setup, vfio-configurator. */
export const environmentDataKey = defineSessionKey<EnvironmentData>("environment_data", EnvironmentDataSchema);
/** `session.host_report`: checks and GPU passthrough verdicts (`vmforge check`). */
export const hostReportKey = defineSessionKey<HostReport>("host_report", HostReportSchema);

/* Partial facts passed from the gather stages to the finalizer. Prefer environment_data. */
export const hostOsKey = defineSessionKey<HostOsFacts>("host_os", HostOsFactsSchema);
export const hostCpuKey = defineSessionKey<HostCpuFacts>("host_cpu", HostCpuFactsSchema);
export const hostMemoryKey = defineSessionKey<MemoryInfo>("host_memory", MemoryInfoSchema);
export const hostPciKey = defineSessionKey<HostPciFacts>("host_pci", HostPciFactsSchema);
export const hostIommuKey = defineSessionKey<IommuInfo>("host_iommu", IommuInfoSchema);
export const hostModulesKey = defineSessionKey<ModulesInfo>("host_modules", ModulesInfoSchema);
export const hostStorageKey = defineSessionKey<BlockDevice[]>("host_storage", z.array(BlockDeviceSchema));
export const hostNetworkKey = defineSessionKey<NetworkInterface[]>("host_network", z.array(NetworkInterfaceSchema));
