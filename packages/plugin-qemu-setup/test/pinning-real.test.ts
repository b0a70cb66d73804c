import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { createConnection } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { all, describeWhen, tool } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { fakeEnvironment } from "./support/environment.js";
import { QmpSession } from "./support/qmp.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tomlFile } from "./support/temp.js";

/*
 * launch.sh pins the vCPU threads it finds over QMP (query-cpus-fast) with taskset: run for real
 * under TCG (its vCPU threads are as real as KVM's), paused, on this machine's CPUs 0 and 1.
 */

/** A host of two single-thread cores sharing one L3, on node 0: what this test machine is told it is. */
const twoCpuHost = fakeEnvironment({
  kvm: false,
  logicalCpus: 2,
  coresPerSocket: 2,
  threadsPerCore: 1,
  topology: {
    cpus: [0, 1].map((cpu) => ({ cpu, online: true, core: cpu, package: 0, die: 0, threadSiblings: [cpu], l3: [0, 1], node: 0 })),
    nodes: [{ id: 0, cpus: [0, 1] }],
  },
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function launchScriptOf(toml: string, environment = twoCpuHost) {
  const { kernel, outputDir } = await runPipeline(await tomlFile(toml), { environment, dryRun: false });
  return { definition: kernel.session.get(vmDefinitionKey)!, command: kernel.session.get(qemuCommandKey)!, script: join(outputDir!, "launch.sh") };
}

const allowed = async (pid: number, tid: number | string): Promise<string | undefined> =>
  (await readFile(`/proc/${pid}/task/${tid}/status`, "utf8").catch(() => ""))
    .split("\n")
    .find((line) => line.startsWith("Cpus_allowed_list:"))
    ?.split(/\s+/)[1];

/** The thread QEMU named `CPU <n>/<accel>` (debug-threads=on). */
async function vcpuThread(pid: number, index: number): Promise<string | undefined> {
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const comm = await readFile(`/proc/${pid}/task/${tid}/comm`, "utf8").catch(() => "");
    if (comm.startsWith(`CPU ${index}/`)) return tid;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWhen(all(tool("qemu-system-x86_64", "qemu-system-x86"), tool("taskset", "util-linux"), tool("socat", "socat")))("launch.sh pins QEMU's threads (real QEMU, TCG)", () => {
  it("the vCPU thread on CPU 1, every other thread on CPU 0", async () => {
    const { script, definition } = await launchScriptOf('[vm]\nname = "pin-real"\n[cpu]\ncores = 1\npinning = [1]\n[firmware]\ntype = "bios"\n');
    expect(definition.cpu.pinning).toMatchObject({ vcpus: [1], emulator: [0] });
    const child = spawn(script, ["-S"], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // Waits for the background pinning job; the bound only keeps a broken run from hanging.
    let vcpu: string | undefined;
    for (let attempt = 0; attempt < 300; attempt++) {
      if (child.exitCode !== null) break;
      vcpu = await vcpuThread(child.pid!, 0);
      if (vcpu && (await allowed(child.pid!, vcpu)) === "1" && (await allowed(child.pid!, child.pid!)) === "0") break;
      await sleep(100);
    }
    expect(child.exitCode, stderr).toBeNull();
    expect(vcpu).toBeDefined();
    expect(await allowed(child.pid!, vcpu!)).toBe("1");
    expect(await allowed(child.pid!, child.pid!)).toBe("0");
    // The caller's -S is kept: the guest waits, pinned.
    expect(await qmpStatus(definition.qmpSocket)).toBe("prelaunch");
  });

  it("without -S: QEMU starts paused, and the job resumes the guest once its vCPU is pinned", async () => {
    const { script, definition } = await launchScriptOf('[vm]\nname = "pin-run"\n[cpu]\ncores = 1\npinning = [1]\n[firmware]\ntype = "bios"\n');
    expect(await readFile(script, "utf8")).toContain("  -S \\\n  \"$@\"");
    const child = spawn(script, [], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let status: string | undefined;
    for (let attempt = 0; attempt < 300 && child.exitCode === null; attempt++) {
      status = await qmpStatus(definition.qmpSocket).catch(() => undefined);
      if (status === "running") break;
      await sleep(100);
    }
    expect(status, stderr).toBe("running");
    expect(await allowed(child.pid!, (await vcpuThread(child.pid!, 0))!)).toBe("1");
  });
});

/** QEMU's run state over a short QMP conversation (the launch script's job may hold the socket a moment). */
function qmpStatus(socketPath: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("error", reject);
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const status = buffer.match(/"status": "([a-z-]+)"/);
      if (status) {
        socket.end();
        resolve(status[1]);
      }
    });
    socket.on("close", () => resolve(undefined));
    socket.write('{"execute":"qmp_capabilities"}\n{"execute":"query-status"}\n');
  });
}

/** Four CPUs on paper; this machine has two, so CPU 3 cannot be pinned to. */
const fourCpuHost = fakeEnvironment({
  kvm: false,
  logicalCpus: 4,
  coresPerSocket: 4,
  threadsPerCore: 1,
  topology: {
    cpus: [0, 1, 2, 3].map((cpu) => ({ cpu, online: true, core: cpu, package: 0, die: 0, threadSiblings: [cpu], l3: [0, 1, 2, 3], node: 0 })),
    nodes: [{ id: 0, cpus: [0, 1, 2, 3] }],
  },
});

describeWhen(all(tool("qemu-system-x86_64", "qemu-system-x86"), tool("taskset", "util-linux"), tool("socat", "socat")))("launch.sh stops a VM it cannot pin", () => {
  it.skipIf(availableParallelism() > 3)("a vCPU CPU taskset refuses: the error on stderr, QEMU killed", async () => {
    const { script } = await launchScriptOf('[vm]\nname = "pin-refused"\n[cpu]\ncores = 1\npinning = [3]\n[firmware]\ntype = "bios"\n', fourCpuHost);
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      const child = spawn(script, ["-S"], { stdio: ["ignore", "ignore", "pipe"] });
      children.push(child);
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
    });
    // Killed before its guest ran: SIGKILL, never a clean exit 0.
    expect(result.signal, result.stderr).toBe("SIGKILL");
    expect(result.stderr).toContain("launch.sh: error: taskset could not pin a vCPU thread");
  });
});

describe("launch.sh refuses to run unpinned", () => {
  it("without socat: exit 1 before QEMU starts, naming what to install", async () => {
    const { script } = await launchScriptOf('[vm]\nname = "pin-nosocat"\n[cpu]\ncores = 1\npinning = [1]\n[firmware]\ntype = "bios"\n');
    const bin = await mkdtemp(join(tmpdir(), "vmforge-bin-"));
    try {
      await symlink("/usr/bin/taskset", join(bin, "taskset"));
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(script, [], { env: { PATH: bin }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("exit", (code) => resolve({ code, stderr }));
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("launch.sh: error: CPU pinning needs taskset (util-linux) and socat (package socat)");
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});

/** What TCG takes of a KVM -cpu: `max` with the flags TCG knows; KVM-only Hyper-V flags set aside. */
function forTcg(argv: string[]): string[] {
  const tcgFlags = /^(hv-relaxed|hv-vapic|hv-spinlocks=.*|kvm=off|hv-vendor-id=.*)$/;
  return argv.map((argument, index) => {
    if (argv[index - 1] === "-machine") return argument.replace("accel=kvm", "accel=tcg");
    if (argv[index - 1] === "-cpu") return ["max", ...argument.split(",").slice(1).filter((flag) => tcgFlags.test(flag))].join(",");
    return argument;
  });
}

describeWhen(tool("qemu-system-x86_64", "qemu-system-x86"))("Hyper-V flags in the real QEMU", () => {
  it("a Windows guest with hide_hypervisor: the -cpu string QEMU parses (KVM-only enlightenments set aside under TCG)", async () => {
    const { command, definition } = await launchScriptOf('[vm]\nname = "hv-real"\nguest = "windows"\n[cpu]\ncores = 2\nhide_hypervisor = true\n[firmware]\ntype = "bios"\n', fakeEnvironment({ kvm: true }));
    expect(definition.accelerator.type).toBe("kvm");
    const cpu = command.argv[command.argv.indexOf("-cpu") + 1]!;
    expect(cpu).toBe("host,hv-relaxed,hv-vapic,hv-spinlocks=0x1fff,hv-vpindex,hv-runtime,hv-synic,hv-stimer,hv-stimer-direct,hv-reset,hv-frequencies,hv-time,hv-tlbflush,hv-ipi,kvm=off,hv-vendor-id=vmforge");
    const qemu = await QmpSession.start(forTcg(command.argv), definition.qmpSocket);
    try {
      expect(await qemu.execute<{ status: string }>("query-status")).toMatchObject({ status: "prelaunch" });
      const [first] = await qemu.execute<Array<{ "qom-path": string }>>("query-cpus-fast");
      const vendor = await qemu.execute<string>("qom-get", { path: first!["qom-path"], property: "hv-vendor-id" });
      expect(vendor).toBe("vmforge");
    } finally {
      expect(await qemu.quit()).toBe(0);
    }
  });
});
