import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostRoot } from "@vmforge/kernel";
import { gatherEnvironment, type EnvironmentData } from "@vmforge/plugin-env-check";
import { i5_9400Host, ryzen2700xHost, TOPOLOGY_HOST_GPU, twoSocketHost } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { planPinning, passthroughNode, type PinningRequest } from "../src/cpu-pinning.js";
import { fakeVfioPlugin } from "./support/environment.js";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";
import { tempDir, tomlFile } from "./support/temp.js";

/*
 * The pinning rules on three real topologies (fixtures/hosts/*topology*, SOURCE.md beside each):
 * a Ryzen 7 2700X (siblings cpuN/cpuN+8, two L3 groups), an i5-9400 (6 cores, no SMT) and a
 * 2-socket Xeon Gold 6126 (a NUMA node per socket, the GPU on node 1).
 */

const folders: string[] = [];
const roots: Record<"ryzen" | "i5" | "xeon", string> = { ryzen: "", i5: "", xeon: "" };
const envs = {} as Record<keyof typeof roots, EnvironmentData>;
beforeAll(async () => {
  for (const [name, make] of [["ryzen", ryzen2700xHost], ["i5", i5_9400Host], ["xeon", twoSocketHost]] as const) {
    const folder = await tempDir(`vmforge-pin-${name}-`);
    folders.push(folder);
    roots[name] = await make(folder);
    envs[name] = await gatherEnvironment(new HostRoot(roots[name]));
  }
});
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

const auto = (cores: number, threads: number, gpuNode: number | null = null): PinningRequest => ({ sockets: 1, cores, threads, pinning: "auto", gpuNode });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe("pinning = \"auto\" on a Ryzen 7 2700X (two CCX, siblings cpuN and cpuN+8)", () => {
  it("4 cores × 2 threads: guest SMT pairs on host sibling pairs, all in the second CCX; the host keeps core 0 and its CCX", () => {
    const plan = planPinning(envs.ryzen.topology, auto(4, 2));
    expect(plan.vcpus).toEqual([4, 12, 5, 13, 6, 14, 7, 15]);
    expect(plan.emulator).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(plan.hostCpus).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(plan.node).toBe(0);
    expect(plan.notes).toEqual([]);
    expect(plan.bootTime.kernelParameters).toBe("isolcpus=4-7,12-15 nohz_full=4-7,12-15");
    expect(plan.bootTime.allowedCpus).toBe("0-3,8-11");
  });

  it("2 cores × 2 threads: the CCX without the host's core", () => {
    expect(planPinning(envs.ryzen.topology, auto(2, 2)).vcpus).toEqual([4, 12, 5, 13]);
  });

  it("4 cores × 1 thread: one vCPU per host core, first threads only", () => {
    const plan = planPinning(envs.ryzen.topology, auto(4, 1));
    expect(plan.vcpus).toEqual([4, 5, 6, 7]);
    expect(plan.hostCpus).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it("7 cores × 2 threads: no L3 group has room; the larger CCX whole, then the other's free cores; never core 0", () => {
    const plan = planPinning(envs.ryzen.topology, auto(7, 2));
    expect(plan.vcpus).toEqual([1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]);
    expect(plan.emulator).toEqual([0, 8]);
    expect(plan.notes).toEqual(["no L3 group has 7 free cores: the vCPUs span 2 L3 groups"]);
  });
});

describe("pinning = \"auto\" on an i5-9400 (6 cores, no SMT)", () => {
  it("4 vCPUs: cores 1-4, the host keeps cores 0 and 5", () => {
    const plan = planPinning(envs.i5.topology, auto(4, 1));
    expect(plan.vcpus).toEqual([1, 2, 3, 4]);
    expect(plan.emulator).toEqual([0, 5]);
    expect(plan.hostCpus).toEqual([0, 5]);
  });

  it("threads = 2 without host SMT: each vCPU a core of its own, and a note saying so", () => {
    const plan = planPinning(envs.i5.topology, auto(2, 2));
    expect(plan.vcpus).toEqual([1, 2, 3, 4]);
    expect(plan.notes).toEqual([expect.stringContaining("no SMT siblings to match threads = 2")]);
  });
});

describe("pinning = \"auto\" on a 2-socket Xeon with the GPU on NUMA node 1", () => {
  it("finds the GPU's node from its numa_node", () => {
    expect(passthroughNode({ passthrough: [{ address: TOPOLOGY_HOST_GPU, allow_host_gpu: false }] }, envs.xeon)).toBe(1);
    expect(passthroughNode({ passthrough: [{ ids: "10de:1eb8", allow_host_gpu: false }] }, envs.xeon)).toBe(1);
    expect(passthroughNode({ passthrough: [] }, envs.xeon)).toBeNull();
  });

  it("8 vCPUs: all on node 1, the emulator on node 1's other CPUs, the host keeps node 0", () => {
    const plan = planPinning(envs.xeon.topology, auto(8, 1, 1));
    expect(plan.vcpus).toEqual(range(12, 19));
    expect(plan.emulator).toEqual(range(20, 23));
    expect(plan.hostCpus).toEqual([...range(0, 11), ...range(20, 23)]);
    expect(plan.node).toBe(1);
  });

  it("without a GPU: the first node with room, past the host's first core", () => {
    const plan = planPinning(envs.xeon.topology, auto(8, 1));
    expect(plan.vcpus).toEqual(range(1, 8));
    expect(plan.node).toBe(0);
  });

  it("more vCPUs than node 1 has: node 1 first, then the rest, with a note", () => {
    const plan = planPinning(envs.xeon.topology, auto(14, 1, 1));
    expect(plan.vcpus).toEqual([...range(1, 2), ...range(12, 23)]);
    expect(plan.notes[0]).toContain("NUMA node 1 of the passthrough device has 12 free core(s) for 14");
  });

  it("an explicit list is kept as written", () => {
    const plan = planPinning(envs.xeon.topology, { sockets: 1, cores: 2, threads: 1, pinning: [23, 12], gpuNode: 1 });
    expect(plan).toMatchObject({ source: "list", vcpus: [23, 12], emulator: range(13, 22), node: 1 });
  });
});

const vm = (body: string, guest = "none") => tomlFile(`[vm]\nname = "pin"\nguest = "${guest}"\n${body}`);

describe("through the pipeline (real env-check on the snapshots)", () => {
  it("the definition, QEMU's -cpu and launch.sh carry the pinning and the matching guest topology (AMD: topoext)", async () => {
    const { kernel } = await runPipeline(await vm(`[cpu]\ncores = 4\nthreads = 2\npinning = "auto"\n[[passthrough]]\naddress = "${TOPOLOGY_HOST_GPU}"\n`), { hostRoot: roots.ryzen, extraPlugins: [fakeVfioPlugin()] });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.cpu).toMatchObject({ cachePassthrough: true, topoext: true, pinning: { vcpus: [4, 12, 5, 13, 6, 14, 7, 15], emulator: [0, 1, 2, 3, 8, 9, 10, 11] } });
    expect(definition.cpu.hyperv).toBeUndefined();
    const command = kernel.session.get(qemuCommandKey)!;
    expect(command.argv[command.argv.indexOf("-cpu") + 1]).toBe("host,host-cache-info=on,topoext=on");
    expect(command.argv[command.argv.indexOf("-name") + 1]).toBe("guest=pin,debug-threads=on");
    const script = command.launchScript;
    expect(script).toContain("taskset -apc 0,1,2,3,8,9,10,11 \"$qemu_pid\"");
    expect(script).toContain("      7) cpu=15 ;;");
    expect(script).toContain('"execute":"query-cpus-fast"');
    const info = kernel.ui.history().filter((message) => message.type === "Info").map((message) => message.text).join("\n");
    expect(info).toContain("left to the host: 0-3,8-11");
    expect(info).toContain("isolcpus=4-7,12-15 nohz_full=4-7,12-15");
    expect(info).toContain("AllowedCPUs=0-3,8-11");
  });

  it("an Intel host gets no topoext; the GPU's node decides on the 2-socket server", async () => {
    const { kernel } = await runPipeline(await vm(`[cpu]\ncores = 4\npinning = "auto"\n[[passthrough]]\naddress = "${TOPOLOGY_HOST_GPU}"\n`), { hostRoot: roots.xeon, extraPlugins: [fakeVfioPlugin()] });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.cpu.topoext).toBeUndefined();
    expect(definition.cpu.pinning).toMatchObject({ vcpus: [12, 13, 14, 15], node: 1 });
  });

  it("a host CPU the host does not have, or has offline: E_PINNING_UNKNOWN_CPU at cpu.pinning[i], exit 2", async () => {
    const error = await pipelineError(await vm("[cpu]\ncores = 2\npinning = [3, 9]\n"), { hostRoot: roots.i5 });
    expect(error).toMatchObject({ code: "E_REQUEST_INVALID", exitCode: 2 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_PINNING_UNKNOWN_CPU", keyPath: "cpu.pinning[1]", line: 6, column: 15, message: expect.stringContaining("host CPU 9 does not exist on this host (online CPUs: 0-5)") })]);
  });

  it("\"auto\" with more vCPUs than the host can spare past its first core: E_PINNING_IMPOSSIBLE, exit 2", async () => {
    const error = await pipelineError(await vm('[cpu]\ncores = 6\npinning = "auto"\n'), { hostRoot: roots.i5 });
    expect(error).toMatchObject({ exitCode: 2 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_PINNING_IMPOSSIBLE", keyPath: "cpu.pinning", line: 6, message: expect.stringContaining("5 host CPUs remain for 6 vCPUs") })]);
  });
});

describe("[cpu] hyperv and hide_hypervisor", () => {
  it("on by default for guest = \"windows\": every enlightenment in -cpu, stimer direct on a 6.8 kernel", async () => {
    const { kernel } = await runPipeline(await vm("", "windows"), { hostRoot: roots.i5 });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.cpu.hyperv).toEqual({
      enlightenments: ["relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "frequencies", "time", "tlbflush", "ipi"],
      spinlockRetries: 8191,
      stimerDirect: true,
      hideHypervisor: false,
      vendorId: null,
    });
    const argv = kernel.session.get(qemuCommandKey)!.argv;
    expect(argv[argv.indexOf("-cpu") + 1]).toBe("host,hv-relaxed,hv-vapic,hv-spinlocks=0x1fff,hv-vpindex,hv-runtime,hv-synic,hv-stimer,hv-stimer-direct,hv-reset,hv-frequencies,hv-time,hv-tlbflush,hv-ipi");
  });

  it("hyperv = false turns the default off; hide_hypervisor alone hides KVM with a vendor id", async () => {
    const { kernel } = await runPipeline(await vm("[cpu]\nhyperv = false\nhide_hypervisor = true\n", "windows"), { hostRoot: roots.i5 });
    const argv = kernel.session.get(qemuCommandKey)!.argv;
    expect(argv[argv.indexOf("-cpu") + 1]).toBe("host,kvm=off,hv-vendor-id=vmforge");
  });

  it("a Linux guest gets none unless asked", async () => {
    const { kernel } = await runPipeline(await vm(""), { hostRoot: roots.i5 });
    expect(kernel.session.get(vmDefinitionKey)!.cpu.hyperv).toBeUndefined();
  });
});
