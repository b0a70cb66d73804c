import type { HostRoot } from "@vmforge/kernel";
import type { EnvironmentData, HostCpuFacts, HostOsFacts, HostPciFacts, IommuInfo, MemoryInfo, ModulesInfo, BlockDevice, NetworkInterface } from "./contract.js";
import { readBlockDevices } from "./host/block-devices.js";
import { readKernelCmdline } from "./host/cmdline.js";
import { readCpuInfo } from "./host/cpuinfo.js";
import { readCpuTopology } from "./host/cpu-topology.js";
import { readFirmware } from "./host/firmware.js";
import { findGpus } from "./host/gpu-functions.js";
import { readIommu } from "./host/iommu.js";
import { readKvm } from "./host/kvm.js";
import { readMemory } from "./host/meminfo.js";
import { readModules } from "./host/modules.js";
import { readNetworkInterfaces } from "./host/network.js";
import { readKernelRelease, readOsRelease } from "./host/os-release.js";
import { readPciDevices } from "./host/pci-devices.js";

export async function gatherOsFacts(host: HostRoot): Promise<HostOsFacts> {
  const [os, release, cmdline, firmware] = await Promise.all([readOsRelease(host), readKernelRelease(host), readKernelCmdline(host), readFirmware(host)]);
  return { os, kernel: { release, cmdline }, firmware };
}

export async function gatherCpuFacts(host: HostRoot): Promise<HostCpuFacts> {
  const [cpu, kvm, topology] = await Promise.all([readCpuInfo(host), readKvm(host), readCpuTopology(host)]);
  return { cpu, kvm, topology };
}

export async function gatherPciFacts(host: HostRoot): Promise<HostPciFacts> {
  const devices = await readPciDevices(host);
  return { devices, gpus: findGpus(devices) };
}

export interface EnvironmentParts {
  os: HostOsFacts;
  cpu: HostCpuFacts;
  memory: MemoryInfo;
  pci: HostPciFacts;
  iommu: IommuInfo;
  modules: ModulesInfo;
  storage: BlockDevice[];
  network: NetworkInterface[];
}

export function assembleEnvironment(parts: EnvironmentParts): EnvironmentData {
  return {
    schemaVersion: 1,
    os: parts.os.os,
    kernel: parts.os.kernel,
    cpu: parts.cpu.cpu,
    topology: parts.cpu.topology,
    memory: parts.memory,
    kvm: parts.cpu.kvm,
    firmware: parts.os.firmware,
    pci: { devices: parts.pci.devices },
    gpus: parts.pci.gpus,
    iommu: parts.iommu,
    modules: parts.modules,
    storage: { blockDevices: parts.storage },
    network: { interfaces: parts.network },
  };
}

/** Every host fact at once, every read in parallel: what the stages do, in one call. */
export async function gatherEnvironment(host: HostRoot): Promise<EnvironmentData> {
  const osFacts = gatherOsFacts(host);
  const cpuFacts = gatherCpuFacts(host);
  const iommu = Promise.all([osFacts, cpuFacts]).then(([os, cpu]) => readIommu(host, os.kernel.cmdline, cpu.cpu));
  const [os, cpu, memory, pci, iommuInfo, modules, storage, network] = await Promise.all([
    osFacts,
    cpuFacts,
    readMemory(host),
    gatherPciFacts(host),
    iommu,
    readModules(host),
    readBlockDevices(host),
    readNetworkInterfaces(host),
  ]);
  return assembleEnvironment({ os, cpu, memory, pci, iommu: iommuInfo, modules, storage, network });
}
