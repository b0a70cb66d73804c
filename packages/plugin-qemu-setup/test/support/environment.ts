import { EnvironmentDataSchema, type EnvironmentData } from "@vmforge/plugin-env-check";
import { definePlugin, type Plugin } from "@vmforge/kernel";

const GiB = 1024 ** 3;

export interface HostShape {
  logicalCpus?: number;
  sockets?: number;
  coresPerSocket?: number;
  threadsPerCore?: number;
  totalBytes?: number | null;
  availableBytes?: number | null;
  kvm?: boolean;
  vmx?: boolean;
  hypervisor?: boolean;
  hugepages?: { sizeBytes: number; total: number; free: number } | null;
  ovmfCode?: string[];
  ovmfVars?: string[];
  descriptors?: EnvironmentData["firmware"]["descriptors"];
  interfaces?: Array<{ name: string; bridge?: boolean }>;
  iommu?: boolean;
  topology?: EnvironmentData["topology"];
  pciDevices?: EnvironmentData["pci"]["devices"];
  vendor?: "intel" | "amd";
}

/** The real OVMF files of Debian's `ovmf` package (installed on this machine and in CI). */
export const DEBIAN_OVMF = {
  code: ["/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_CODE.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"],
  vars: ["/usr/share/OVMF/OVMF_VARS.fd", "/usr/share/OVMF/OVMF_VARS.ms.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"],
};

/** A complete, schema-valid environment_data for a host of the given shape. */
export function fakeEnvironment(shape: HostShape = {}): EnvironmentData {
  const sockets = shape.sockets ?? 1;
  const coresPerSocket = shape.coresPerSocket ?? 4;
  const threadsPerCore = shape.threadsPerCore ?? 2;
  const vmx = shape.vmx ?? true;
  const kvm = shape.kvm ?? true;
  const iommu = shape.iommu ?? true;
  const hugepages = shape.hugepages === undefined ? { sizeBytes: 2 * 1024 ** 2, total: 0, free: 0 } : shape.hugepages;
  const environment: EnvironmentData = {
    schemaVersion: 1,
    os: { id: "debian", name: "Debian GNU/Linux", prettyName: "Debian GNU/Linux 12 (bookworm)", versionId: "12" },
    kernel: {
      release: "6.1.0-test",
      cmdline: {
        raw: iommu ? "quiet intel_iommu=on iommu=pt" : "quiet",
        params: [],
        intelIommu: iommu ? "on" : null,
        amdIommu: null,
        iommu: iommu ? "pt" : null,
        iommuPassthrough: iommu,
        vfioPciIds: [],
        pcieAcsOverride: null,
        hugepages: null,
        hugepagesz: null,
        defaultHugepagesz: null,
        isolcpus: null,
      },
    },
    cpu: {
      vendor: shape.vendor ?? "intel",
      vendorId: shape.vendor === "amd" ? "AuthenticAMD" : "GenuineIntel",
      model: "Test CPU",
      family: 6,
      sockets,
      coresPerSocket,
      threadsPerCore,
      logicalCpus: shape.logicalCpus ?? sockets * coresPerSocket * threadsPerCore,
      flags: vmx ? ["vmx", "ept"] : [],
      virtualization: { vmx, svm: false, ept: vmx, npt: false, hypervisor: shape.hypervisor ?? false, avx2: true },
    },
    topology: shape.topology ?? { cpus: [], nodes: [] },
    memory: {
      totalBytes: shape.totalBytes === undefined ? 32 * GiB : shape.totalBytes,
      availableBytes: shape.availableBytes === undefined ? 24 * GiB : shape.availableBytes,
      hugepages: {
        defaultSizeBytes: hugepages?.sizeBytes ?? null,
        pools: hugepages ? [{ ...hugepages, reserved: 0, surplus: 0 }] : [],
      },
      transparentHugepages: "madvise",
    },
    kvm: { devicePresent: kvm, modules: { kvm: kvm, kvmIntel: kvm, kvmAmd: false }, nested: null },
    firmware: {
      descriptors: shape.descriptors ?? [],
      descriptorDirs: ["/usr/share/qemu/firmware", "/etc/qemu/firmware"],
      invalidDescriptors: [],
      ovmfCode: shape.ovmfCode ?? DEBIAN_OVMF.code,
      ovmfVars: shape.ovmfVars ?? DEBIAN_OVMF.vars,
      searchedDirs: ["/usr/share/OVMF", "/usr/share/edk2/ovmf", "/usr/share/edk2/x64"],
      binaries: { qemuSystemX86_64: "/usr/bin/qemu-system-x86_64", qemuImg: "/usr/bin/qemu-img" },
    },
    pci: { devices: shape.pciDevices ?? [] },
    gpus: [],
    iommu: { enabled: iommu, reason: iommu ? "12 IOMMU groups" : "/sys/kernel/iommu_groups is empty", firmwareTable: iommu ? "DMAR" : null, acsOverride: false, groups: [] },
    modules: { loaded: ["kvm", "kvm_intel"], source: "proc-modules", relevant: ["kvm", "kvm_intel"] },
    storage: { blockDevices: [] },
    network: {
      interfaces: (shape.interfaces ?? [{ name: "lo" }, { name: "eth0" }, { name: "br0", bridge: true }]).map((entry) => ({
        name: entry.name,
        kind: entry.name === "lo" ? "loopback" : entry.bridge ? "bridge" : "physical",
        bridge: entry.bridge ?? false,
        members: [],
        master: null,
        operstate: "up",
        mtu: 1500,
        pciAddress: null,
        driver: null,
      })),
    },
  };
  return EnvironmentDataSchema.parse(environment);
}

/** Stands in for @vmforge/plugin-env-check: writes the given environment_data. */
export function fakeEnvCheckPlugin(environment: EnvironmentData): Plugin {
  return definePlugin({
    name: "@vmforge/plugin-env-check",
    version: "0.0.0-test",
    description: "test double",
    stages: [
      {
        id: "env_check:finalize_host_report",
        description: "writes a fixed environment_data",
        writes: ["environment_data"],
        load: async () => ({
          run: async (ctx) => {
            const { environmentDataKey } = await import("@vmforge/plugin-env-check");
            ctx.set(environmentDataKey, environment);
          },
        }),
      },
    ],
  });
}

/**
 * Owns [linux] the way @vmforge/plugin-linux-setup does, with a small schema; with `media`, it
 * also hands back a seed ISO (a blank image here) as guest media after vm_definition.
 */
export async function fakeLinuxPlugin(options: { media?: boolean } = {}): Promise<Plugin> {
  const { z } = await import("@vmforge/kernel/zod");
  const schema = z.strictObject({
    hostname: z.string().optional(),
    timezone: z.string().optional(),
    packages: z.array(z.string()).default([]),
    runcmd: z.array(z.array(z.string())).default([]),
    users: z.array(z.strictObject({ name: z.string(), sudo: z.boolean().default(false), ssh_authorized_keys: z.array(z.string()).default([]) })).default([]),
  });
  return definePlugin({
    name: "@vmforge/plugin-linux-setup",
    version: "0.0.0-test",
    description: "test double",
    config: { tables: ["linux"], schema: async () => schema },
    stages: options.media
      ? [
          {
            id: "linux_setup:assemble_cloud_init_iso",
            description: "adds a seed ISO as guest media",
            reads: ["vm_definition", "user_vm_request"],
            adds: ["guest_media"],
            when: async (ctx) => {
              const { userVmRequestKey } = await import("../../src/contract.js");
              return ctx.get(userVmRequestKey).vm.guest === "linux";
            },
            load: async () => ({
              run: async (ctx) => {
                const { vmDefinitionKey, guestMediaKey } = await import("../../src/contract.js");
                ctx.get(vmDefinitionKey);
                const artifact = await ctx.writeArtifact("seed.iso", new Uint8Array(64 * 1024));
                ctx.add(guestMediaKey, { kind: "cdrom", path: artifact.path, format: "raw", label: "cidata", readonly: true, producer: "@vmforge/plugin-linux-setup" });
              },
            }),
          },
        ]
      : [],
  });
}

/** A passthrough plugin double: adds one host device per [[passthrough]] address. */
export function fakeVfioPlugin(): Plugin {
  return definePlugin({
    name: "@vmforge/plugin-vfio-configurator",
    version: "0.0.0-test",
    description: "test double",
    stages: [
      {
        id: "qemu_setup:configure_vfio",
        description: "adds host devices",
        reads: ["user_vm_request", "environment_data"],
        adds: ["host_devices"],
        load: async () => ({
          run: async (ctx) => {
            const { userVmRequestKey, hostDevicesKey } = await import("../../src/contract.js");
            for (const device of ctx.get(userVmRequestKey).passthrough) {
              if (!device.address) continue;
              ctx.add(hostDevicesKey, { kind: "pci", address: device.address, multifunction: true, romFile: null, producer: "@vmforge/plugin-vfio-configurator" });
              ctx.add(hostDevicesKey, { kind: "pci", address: device.address.replace(/\.0$/, ".1"), multifunction: false, romFile: null, producer: "@vmforge/plugin-vfio-configurator" });
            }
          },
        }),
      },
    ],
  });
}
