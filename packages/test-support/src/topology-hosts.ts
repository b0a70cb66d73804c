import { readFileSync } from "node:fs";
import { join } from "node:path";
import { snapshotFromCapture } from "./host-snapshot.js";
import { intelPlatform, madeHost, teslaT4 } from "./made-host.js";
import { fixtureHostsDir } from "./paths.js";

/*
 * Host snapshots with real CPU topologies (see each fixture's SOURCE.md), for CPU pinning tests.
 * Each returns the snapshot folder, a host root.
 */

const fixture = (name: string, file: string): string => readFileSync(join(fixtureHostsDir, name, file), "utf8");

/** Where the passthrough GPU sits on every topology host. */
export const TOPOLOGY_HOST_GPU = "0000:3b:00.0";

/**
 * Ryzen 7 2700X: 8 cores/16 threads, siblings cpuN and cpuN+8, two L3 groups (cores 0-3, 4-7),
 * one NUMA node. The flags and model of the real 2700X cpuinfo; a Tesla T4 to pass through.
 */
export async function ryzen2700xHost(folder: string): Promise<string> {
  return madeHost(folder, [...intelPlatform, teslaT4("3b:00.0", 2)], {
    cpuinfo: fixture("cpuinfo-amd-ryzen7-2700x-baremetal-svm", "cpuinfo.txt"),
    lscpu: fixture("amd-ryzen7-2700x-two-ccx-topology", "lscpu-e.txt"),
    kvm: true,
  });
}

/** Core i5-9400 on a Z370 board (the real IOMMU capture): 6 cores, no SMT, one L3, one node. */
export async function i5_9400Host(folder: string): Promise<string> {
  const root = join(folder, "root");
  await snapshotFromCapture(join(fixtureHostsDir, "intel-z370-i5-9400-gt1030-igpu-clean"), root, { kvm: true, cpuinfo: sixCoreCpuinfo() });
  return root;
}

/** Two Xeon Gold 6126 (12 cores each, no SMT), one NUMA node per socket; the GPU on node 1. */
export async function twoSocketHost(folder: string): Promise<string> {
  return madeHost(folder, [...intelPlatform, teslaT4("3b:00.0", 2)], {
    lscpu: fixture("intel-xeon-gold-6126-two-socket-numa", "lscpu-e.txt"),
    cpuinfo: xeonCpuinfo(),
    pciNuma: { [TOPOLOGY_HOST_GPU]: 1 },
    kvm: true,
  });
}

/** The G640 capture's flags (vmx, ept) laid out as `cores` cores of `model` in `sockets` sockets. */
function intelCpuinfo(model: string, sockets: number, coresPerSocket: number): string {
  const g640 = fixture("cpuinfo-intel-pentium-g640-baremetal-vmx", "cpuinfo.txt");
  const first = g640.split(/\n\n/)[0]!;
  return (
    Array.from({ length: sockets * coresPerSocket }, (_, cpu) =>
      first
        .replace(/^processor\t: \d+/m, `processor\t: ${cpu}`)
        .replace(/^model name\t: .*$/m, `model name\t: ${model}`)
        .replace(/^physical id\t: \d+/m, `physical id\t: ${Math.floor(cpu / coresPerSocket)}`)
        .replace(/^siblings\t: \d+/m, `siblings\t: ${coresPerSocket}`)
        .replace(/^core id\t\t: \d+/m, `core id\t\t: ${cpu % coresPerSocket}`)
        .replace(/^cpu cores\t: \d+/m, `cpu cores\t: ${coresPerSocket}`)
        .replace(/^apicid\t\t: \d+/m, `apicid\t\t: ${cpu * 2}`),
    ).join("\n\n") + "\n"
  );
}

const sixCoreCpuinfo = (): string => intelCpuinfo("Intel(R) Core(TM) i5-9400 CPU @ 2.90GHz", 1, 6);
const xeonCpuinfo = (): string => intelCpuinfo("Intel(R) Xeon(R) Gold 6126 CPU @ 2.60GHz", 2, 12);
