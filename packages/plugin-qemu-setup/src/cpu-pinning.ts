import { formatCpuList as cpuList, type CpuTopology, type EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest, VmCpuPinning } from "./contract.js";

/** A physical core of the host: its logical CPUs (SMT siblings), ascending. */
interface HostCore {
  cpus: number[];
  node: number | null;
  /** The CPUs sharing its L3, as a key; "" without an L3. */
  l3: string;
}

export interface PinningRequest {
  sockets: number;
  cores: number;
  threads: number;
  pinning: "auto" | number[];
  /** NUMA node of the passthrough devices (first one that has a node), or null. */
  gpuNode: number | null;
}

/** The host's physical cores from the topology, ordered by their first CPU; offline CPUs left out. */
export function hostCores(topology: CpuTopology): HostCore[] {
  const online = new Map(topology.cpus.filter((cpu) => cpu.online).map((cpu) => [cpu.cpu, cpu]));
  const cores = new Map<string, HostCore>();
  for (const cpu of online.values()) {
    const siblings = (cpu.threadSiblings.length > 0 ? cpu.threadSiblings : [cpu.cpu]).filter((sibling) => online.has(sibling)).sort((a, b) => a - b);
    const key = siblings.join(",");
    if (!cores.has(key)) cores.set(key, { cpus: siblings, node: cpu.node, l3: cpu.l3 ? cpu.l3.join(",") : "" });
  }
  return [...cores.values()].sort((a, b) => a.cpus[0]! - b.cpus[0]!);
}

/** The NUMA node the passthrough devices sit on (sysfs numa_node; -1 means none), or null. */
export function passthroughNode(request: Pick<UserVmRequest, "passthrough">, env: EnvironmentData): number | null {
  for (const wanted of request.passthrough) {
    const device = env.pci.devices.find((candidate) => (wanted.address ? candidate.address === wanted.address : `${candidate.vendorId}:${candidate.deviceId}` === wanted.ids));
    if (device && device.numaNode !== null && device.numaNode >= 0) return device.numaNode;
  }
  return null;
}

/**
 * Host CPUs for the vCPUs, one each, in QEMU's vCPU order (socket, core, thread; threads
 * innermost), the emulator's CPUs, and what the host keeps. "auto":
 *  - the host keeps its first core (cpu0 and its SMT sibling);
 *  - the GPU's NUMA node first, when the passthrough devices have one and it has room;
 *  - a guest core of `threads` threads sits on the threads of one host core (threads = 2 on an
 *    SMT host: the two siblings); a host without SMT gives each vCPU a core of its own;
 *  - one L3 group holds them all where one has room (the one without the host's core first),
 *    else the fewest groups, largest first;
 *  - the emulator thread gets the other CPUs of the vCPUs' node (the host keeps them too).
 * An explicit list is taken as given (checked by {@link pinningProblems}).
 */
export function planPinning(topology: CpuTopology, request: PinningRequest): VmCpuPinning {
  const vcpuCount = request.sockets * request.cores * request.threads;
  const cores = hostCores(topology);
  const online = cores.flatMap((core) => core.cpus).sort((a, b) => a - b);
  const nodeOf = new Map(topology.cpus.map((cpu) => [cpu.cpu, cpu.node]));
  const notes: string[] = [];
  let vcpus: number[];
  let node: number | null = null;
  if (request.pinning !== "auto") {
    vcpus = [...request.pinning];
    const nodes = new Set(vcpus.map((cpu) => nodeOf.get(cpu) ?? null));
    node = nodes.size === 1 ? [...nodes][0]! : null;
    if (request.gpuNode !== null && !nodes.has(request.gpuNode)) notes.push(`none of the listed CPUs is on NUMA node ${request.gpuNode}, where the passthrough device is: its DMA crosses sockets`);
  } else {
    const reserved = new Set(cores[0]?.cpus ?? []);
    const free = cores.filter((core) => !core.cpus.some((cpu) => reserved.has(cpu)));
    const smt = request.threads > 1 && free.some((core) => core.cpus.length >= request.threads);
    if (request.threads > 1 && !smt) notes.push(`the host has no SMT siblings to match threads = ${request.threads}: each vCPU gets a core of its own (set [cpu] threads = 1 to tell the guest so)`);
    const perCore = smt ? request.threads : 1;
    const needed = Math.ceil(vcpuCount / perCore);
    const usable = free.filter((core) => core.cpus.length >= perCore);
    let pool = usable;
    if (request.gpuNode !== null) {
      const onNode = usable.filter((core) => core.node === request.gpuNode);
      if (onNode.length >= needed) {
        pool = onNode;
        node = request.gpuNode;
      } else {
        notes.push(`NUMA node ${request.gpuNode} of the passthrough device has ${onNode.length} free core(s) for ${needed}: the vCPUs spread to other nodes`);
        pool = [...onNode, ...usable.filter((core) => core.node !== request.gpuNode)];
      }
    } else {
      const nodes = [...new Set(usable.map((core) => core.node))];
      if (nodes.length > 1) {
        // No device to follow: the first node with room keeps memory and vCPUs together.
        const fits = nodes.find((candidate) => usable.filter((core) => core.node === candidate).length >= needed);
        if (fits !== undefined) {
          pool = usable.filter((core) => core.node === fits);
          node = fits;
        }
      } else node = nodes[0] ?? null;
    }
    const chosen = pickByL3(pool, needed, reserved.size > 0 ? (cores[0]?.l3 ?? "") : "", notes);
    vcpus = [];
    for (const core of chosen) for (const cpu of core.cpus.slice(0, perCore)) if (vcpus.length < vcpuCount) vcpus.push(cpu);
  }
  const used = new Set(vcpus);
  const rest = online.filter((cpu) => !used.has(cpu));
  const sameNode = node === null ? rest : rest.filter((cpu) => nodeOf.get(cpu) === node);
  const emulator = sameNode.length > 0 ? sameNode : rest;
  if (emulator.length === 0) notes.push("no host CPU is left outside the vCPUs: the emulator thread is not pinned");
  const isolated = cpuList(vcpus);
  const hostCpus = rest;
  const allowedCpus = cpuList(hostCpus);
  return {
    source: request.pinning === "auto" ? "auto" : "list",
    vcpus,
    emulator,
    iothreads: [],
    hostCpus,
    node,
    notes,
    bootTime: {
      kernelParameters: `isolcpus=${isolated} nohz_full=${isolated}`,
      allowedCpus,
      steps: [
        `Keep the host off the vCPUs' CPUs at boot: add \`isolcpus=${isolated} nohz_full=${isolated}\` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub and run \`sudo update-grub\` (Fedora: \`sudo grubby --update-kernel=ALL --args="isolcpus=${isolated} nohz_full=${isolated}"\`), then reboot.`,
        `Or, without a reboot and only while the VM runs: \`sudo systemctl set-property --runtime system.slice AllowedCPUs=${allowedCpus}\` (the same for user.slice and init.scope), and back to all CPUs after.`,
      ],
    },
  };
}

/** `needed` cores from one L3 group when one has room (not the host's first), else the fewest groups. */
function pickByL3(pool: readonly HostCore[], needed: number, hostL3: string, notes: string[]): HostCore[] {
  const groups = new Map<string, HostCore[]>();
  for (const core of pool) groups.set(core.l3, [...(groups.get(core.l3) ?? []), core]);
  const ordered = [...groups.entries()].sort(([keyA, a], [keyB, b]) => Number(keyA === hostL3) - Number(keyB === hostL3) || a[0]!.cpus[0]! - b[0]!.cpus[0]!);
  const fits = ordered.find(([, cores]) => cores.length >= needed);
  if (fits) return fits[1].slice(0, needed);
  const bySize = [...ordered].sort(([, a], [, b]) => b.length - a.length || a[0]!.cpus[0]! - b[0]!.cpus[0]!);
  const chosen: HostCore[] = [];
  let spans = 0;
  for (const [, cores] of bySize) {
    if (chosen.length >= needed) break;
    spans++;
    chosen.push(...cores.slice(0, needed - chosen.length));
  }
  if (groups.size > 1 && spans > 1) notes.push(`no L3 group has ${needed} free cores: the vCPUs span ${spans} L3 groups`);
  return chosen.sort((a, b) => a.cpus[0]! - b.cpus[0]!);
}

export interface PinningProblem {
  /** Key path below [cpu]. */
  path: Array<string | number>;
  message: string;
  fix: string;
}

/**
 * What the host says about an explicit list (its length and duplicates are the schema's):
 * CPUs it does not have or has offline. "auto" needs the topology.
 */
export function pinningProblems(request: PinningRequest, env: EnvironmentData): PinningProblem[] {
  const topology = env.topology ?? { cpus: [], nodes: [] };
  const online = topology.cpus.length > 0 ? new Set(topology.cpus.filter((cpu) => cpu.online).map((cpu) => cpu.cpu)) : new Set(Array.from({ length: env.cpu.logicalCpus }, (_, cpu) => cpu));
  const known = cpuList([...online]);
  if (request.pinning === "auto") {
    const vcpus = request.sockets * request.cores * request.threads;
    if (topology.cpus.length === 0) return [{ path: ["pinning"], message: "pinning = \"auto\" needs the host's CPU topology, which this host does not show (/sys/devices/system/cpu)", fix: "List the host CPUs yourself: pinning = [2, 3, ...], one per vCPU." }];
    const free = online.size - (hostCores(topology)[0]?.cpus.length ?? 0);
    if (vcpus > free) return [{ path: ["pinning"], message: `pinning = "auto" leaves the host its first core; ${free} host CPUs remain for ${vcpus} vCPUs`, fix: `Lower the vCPUs to ${free} or fewer, or list the host CPUs yourself.` }];
    return [];
  }
  return request.pinning.flatMap((cpu, index) =>
    online.has(cpu) ? [] : [{ path: ["pinning", index], message: `host CPU ${cpu} ${topology.cpus.some((entry) => entry.cpu === cpu) ? "is offline" : "does not exist on this host"} (online CPUs: ${known})`, fix: `Use CPUs from ${known}.` }],
  );
}

/** The pinning as a person reads it in a plan: where the vCPUs go, what the host keeps, the boot-time way. */
export function describePinning(pinning: VmCpuPinning): string {
  const lines = [
    `CPU pinning (${pinning.source}): ${pinning.vcpus.map((cpu, index) => `vCPU ${index} -> CPU ${cpu}`).join(", ")}${pinning.node !== null ? ` (NUMA node ${pinning.node})` : ""}.`,
    `  emulator thread -> ${pinning.emulator.length ? cpuList(pinning.emulator) : "not pinned"}; left to the host: ${pinning.hostCpus.length ? cpuList(pinning.hostCpus) : "no CPU"}.`,
    ...pinning.notes.map((note) => `  note: ${note}.`),
    `Or keep the host off the vCPUs at boot: \`${pinning.bootTime.kernelParameters}\` on the kernel command line, or a systemd slice with AllowedCPUs=${pinning.bootTime.allowedCpus}:`,
    ...pinning.bootTime.steps.map((step) => `  ${step}`),
  ];
  return lines.join("\n");
}
