import type { HostRoot } from "@vmforge/kernel";
import { readAttribute } from "./read-log.js";
import { parseInteger } from "./sysfs-values.js";
import { parseCpuList } from "../cpu-list.js";
import type { CpuTopology, HostCpu, NumaNode } from "../contract.js";

const CPU_DIR = "/sys/devices/system/cpu";
const NODE_DIR = "/sys/devices/system/node";

const numbered = (prefix: string) => (name: string): boolean => new RegExp(`^${prefix}\\d+$`).test(name);
const byNumber = (prefix: string) => (a: string, b: string): number => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length));

/**
 * The level-3 cache's `shared_cpu_list`: `cache/index3` on x86, but the index is checked by
 * its `level` file, and the other indexes are searched when index3 is not level 3.
 */
async function readL3(host: HostRoot, cpuDir: string): Promise<number[] | null> {
  const levelOf = async (index: string) => parseInteger(await readAttribute(host, `${cpuDir}/cache/${index}/level`));
  let index: string | undefined = (await levelOf("index3")) === 3 ? "index3" : undefined;
  if (!index) {
    const indexes = (await host.list(`${cpuDir}/cache`)).filter(numbered("index")).sort(byNumber("index"));
    for (const candidate of indexes) {
      if (candidate !== "index3" && (await levelOf(candidate)) === 3) {
        index = candidate;
        break;
      }
    }
  }
  return index ? parseCpuList(await readAttribute(host, `${cpuDir}/cache/${index}/shared_cpu_list`)) : null;
}

async function readCpu(host: HostRoot, name: string, nodeOf: Map<number, number>): Promise<HostCpu> {
  const cpu = Number(name.slice(3));
  const dir = `${CPU_DIR}/${name}`;
  const [online, core, pkg, die, siblings, l3] = await Promise.all([
    readAttribute(host, `${dir}/online`),
    readAttribute(host, `${dir}/topology/core_id`),
    readAttribute(host, `${dir}/topology/physical_package_id`),
    readAttribute(host, `${dir}/topology/die_id`),
    readAttribute(host, `${dir}/topology/thread_siblings_list`),
    readL3(host, dir),
  ]);
  return {
    cpu,
    // cpu0 has no `online` file on most x86 machines: it cannot be taken offline.
    online: online === undefined ? true : online === "1",
    core: parseInteger(core),
    package: parseInteger(pkg),
    die: parseInteger(die),
    threadSiblings: parseCpuList(siblings) ?? [],
    l3,
    node: nodeOf.get(cpu) ?? null,
  };
}

/**
 * Each logical CPU's place: core, package, die, SMT siblings, the CPUs sharing its L3 cache, its
 * NUMA node; from /sys/devices/system/cpu/cpuN/{topology,cache} and /sys/devices/system/node.
 * A host that hides them (a container, an old kernel) gives empty lists, never guesses.
 */
export async function readCpuTopology(host: HostRoot): Promise<CpuTopology> {
  const nodeNames = (await host.list(NODE_DIR)).filter(numbered("node")).sort(byNumber("node"));
  const nodes: NumaNode[] = [];
  for (const name of nodeNames) {
    const cpus = parseCpuList(await readAttribute(host, `${NODE_DIR}/${name}/cpulist`));
    if (cpus !== null) nodes.push({ id: Number(name.slice(4)), cpus });
  }
  const nodeOf = new Map<number, number>();
  for (const node of nodes) for (const cpu of node.cpus) nodeOf.set(cpu, node.id);
  const cpuNames = (await host.list(CPU_DIR)).filter(numbered("cpu")).sort(byNumber("cpu"));
  const cpus = await Promise.all(cpuNames.map((name) => readCpu(host, name, nodeOf)));
  return { cpus, nodes };
}
