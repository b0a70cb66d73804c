import type { HostRoot } from "@vmforge/kernel";
import type { BlockDevice, HostCpuFacts, HostOsFacts, HostPciFacts, IommuInfo, MemoryInfo, ModulesInfo, NetworkInterface } from "./contract.js";
import { gatherCpuFacts, gatherOsFacts, gatherPciFacts } from "./gather-environment.js";
import { readBlockDevices } from "./host/block-devices.js";
import { readIommu } from "./host/iommu.js";
import { readMemory } from "./host/meminfo.js";
import { readModules } from "./host/modules.js";
import { readNetworkInterfaces } from "./host/network.js";

export interface HostReads {
  os: Promise<HostOsFacts>;
  cpu: Promise<HostCpuFacts>;
  memory: Promise<MemoryInfo>;
  pci: Promise<HostPciFacts>;
  iommu: Promise<IommuInfo>;
  modules: Promise<ModulesInfo>;
  storage: Promise<BlockDevice[]>;
  network: Promise<NetworkInterface[]>;
}

export interface HostReadOptions {
  /** Ask systeminformation for disk models sysfs does not know (live host only; slow). */
  hardwareDetails?: boolean;
}

const started = new WeakMap<HostRoot, HostReads>();

/**
 * Stages run one after another, but their reads need not: the first env_check stage starts
 * every read of the host at once, and each stage awaits its own part. One set per host root,
 * so a second Kernel (or a snapshot root) reads afresh.
 */
export function hostReads(host: HostRoot, options: HostReadOptions = {}): HostReads {
  let reads = started.get(host);
  if (!reads) {
    const os = gatherOsFacts(host);
    const cpu = gatherCpuFacts(host);
    reads = {
      os,
      cpu,
      memory: readMemory(host),
      pci: gatherPciFacts(host),
      iommu: Promise.all([os, cpu]).then(([osFacts, cpuFacts]) => readIommu(host, osFacts.kernel.cmdline, cpuFacts.cpu)),
      modules: readModules(host),
      storage: readBlockDevices(host, options),
      network: readNetworkInterfaces(host),
    };
    // A stage that never runs must not leave an unhandled rejection behind.
    for (const promise of Object.values(reads)) (promise as Promise<unknown>).catch(() => undefined);
    // The finalizer's code compiles while the reads wait on the file system.
    import("./stages/finalize-host-report.js").catch(() => undefined);
    started.set(host, reads);
  }
  return reads;
}

/** Drops the reads of this host root, so a later run in the same process reads the host afresh. */
export function forgetHostReads(host: HostRoot): void {
  started.delete(host);
}
