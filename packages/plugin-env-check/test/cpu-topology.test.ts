import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostRoot } from "@vmforge/kernel";
import { i5_9400Host, parseLscpuExtended, ryzen2700xHost, TOPOLOGY_HOST_GPU, twoSocketHost } from "@vmforge/test-support";
import { EnvironmentDataSchema, gatherEnvironment, saveSnapshot } from "../src/index.js";
import { formatCpuList, parseCpuList } from "../src/cpu-list.js";

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});
async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `vmforge-${prefix}-`));
  folders.push(dir);
  return dir;
}

describe("cpulists", () => {
  it("reads and writes the kernel's ranges", () => {
    expect(parseCpuList("0-3,8-11\n")).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(parseCpuList("5")).toEqual([5]);
    expect(parseCpuList("")).toEqual([]);
    expect(parseCpuList(undefined)).toBeNull();
    expect(parseCpuList("3-1")).toBeNull();
    expect(parseCpuList("0-99999999")).toBeNull();
    expect(parseCpuList("a,b")).toBeNull();
    expect(formatCpuList([11, 8, 9, 10, 0, 1, 2, 3, 5])).toBe("0-3,5,8-11");
  });

  it("lscpu -e as people post it, localized ONLINE column included", () => {
    const rows = parseLscpuExtended("$ lscpu -e\nCPU NODE SOCKET CORE L1d:L1i:L2:L3 ONLINE    MAXMHZ\n  0    0      0    0 0:0:0:0           si 5083\n  1    0      0    1 1:1:1:1           no 5083\n");
    expect(rows).toEqual([
      { cpu: 0, node: 0, socket: 0, core: 0, l3: 0, online: true },
      { cpu: 1, node: 0, socket: 0, core: 1, l3: 1, online: false },
    ]);
  });
});

describe("host topology from sysfs", () => {
  it("Ryzen 7 2700X: siblings cpuN and cpuN+8, two L3 groups of 4 cores, one node", async () => {
    const env = await gatherEnvironment(new HostRoot(await ryzen2700xHost(await folder("r7"))));
    expect(EnvironmentDataSchema.parse(env).topology).toEqual(env.topology);
    expect(env.topology.cpus).toHaveLength(16);
    expect(env.topology.cpus[0]).toEqual({ cpu: 0, online: true, core: 0, package: 0, die: 0, threadSiblings: [0, 8], l3: [0, 1, 2, 3, 8, 9, 10, 11], node: 0 });
    expect(env.topology.cpus[12]).toEqual({ cpu: 12, online: true, core: 4, package: 0, die: 0, threadSiblings: [4, 12], l3: [4, 5, 6, 7, 12, 13, 14, 15], node: 0 });
    expect(env.topology.nodes).toEqual([{ id: 0, cpus: Array.from({ length: 16 }, (_, cpu) => cpu) }]);
  });

  it("i5-9400: six cores without SMT siblings, one L3", async () => {
    const env = await gatherEnvironment(new HostRoot(await i5_9400Host(await folder("i5"))));
    expect(env.topology.cpus.map((cpu) => cpu.threadSiblings)).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(new Set(env.topology.cpus.map((cpu) => cpu.l3!.join(",")))).toEqual(new Set(["0,1,2,3,4,5"]));
  });

  it("2-socket Xeon: a node and an L3 per socket, the GPU's numa_node 1", async () => {
    const env = await gatherEnvironment(new HostRoot(await twoSocketHost(await folder("xeon"))));
    expect(env.topology.nodes).toEqual([
      { id: 0, cpus: Array.from({ length: 12 }, (_, cpu) => cpu) },
      { id: 1, cpus: Array.from({ length: 12 }, (_, cpu) => cpu + 12) },
    ]);
    expect(env.topology.cpus[13]).toMatchObject({ package: 1, node: 1, threadSiblings: [13], l3: Array.from({ length: 12 }, (_, cpu) => cpu + 12) });
    expect(env.pci.devices.find((device) => device.address === TOPOLOGY_HOST_GPU)!.numaNode).toBe(1);
    expect(env.pci.devices.find((device) => device.address === "0000:00:02.0")!.numaNode).toBe(-1);
  });

  it("finds the L3 by its level file, not by the index number, and reports offline CPUs", async () => {
    const root = await folder("hand");
    const put = async (path: string, text: string) => {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    };
    // index3 is an L2 here; the L3 is index4 (as on some hybrid or unusual parts).
    await put("/sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
    await put("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0\n");
    await put("/sys/devices/system/cpu/cpu0/cache/index3/level", "2\n");
    await put("/sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list", "0\n");
    await put("/sys/devices/system/cpu/cpu0/cache/index4/level", "3\n");
    await put("/sys/devices/system/cpu/cpu0/cache/index4/shared_cpu_list", "0-1\n");
    await put("/sys/devices/system/cpu/cpu1/online", "0\n");
    const env = await gatherEnvironment(new HostRoot(root));
    expect(env.topology.cpus).toEqual([
      { cpu: 0, online: true, core: 0, package: null, die: null, threadSiblings: [0], l3: [0, 1], node: null },
      { cpu: 1, online: false, core: null, package: null, die: null, threadSiblings: [], l3: null, node: null },
    ]);
    expect(env.topology.nodes).toEqual([]);
  });

  it("a host without /sys/devices/system has an empty topology, never a guess", async () => {
    const env = await gatherEnvironment(new HostRoot(await folder("empty")));
    expect(env.topology).toEqual({ cpus: [], nodes: [] });
  });

  it("--save-snapshot copies the topology files a check read, and the copy replays the same", async () => {
    const source = await ryzen2700xHost(await folder("r7-src"));
    const host = new HostRoot(source);
    const first = await gatherEnvironment(host);
    const copy = await folder("r7-copy");
    await saveSnapshot(host, copy);
    expect(await readFile(join(copy, "sys/devices/system/cpu/cpu3/topology/thread_siblings_list"), "utf8")).toBe("3,11\n");
    expect(await readFile(join(copy, "sys/devices/system/cpu/cpu3/cache/index3/shared_cpu_list"), "utf8")).toBe("0-3,8-11\n");
    expect(await readFile(join(copy, "sys/devices/system/node/node0/cpulist"), "utf8")).toBe("0-15\n");
    expect((await gatherEnvironment(new HostRoot(copy))).topology).toEqual(first.topology);
  });
});
