import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseLifecycleArgs } from "../src/args.js";
import { isVmQemu, runningQemu, uptimeSeconds, type ProcessTable } from "../src/qemu-process.js";
import type { VmFolder } from "../src/vm-folder.js";

/** A folder shaped like /proc with the processes a test names, and a kill() that knows only them. */
async function fakeProc(processes: Record<number, { argv: string[]; startTicks?: number }>, uptime = 1000): Promise<ProcessTable> {
  const proc = await mkdtemp(join(tmpdir(), "vmforge-proc-"));
  await writeFile(join(proc, "uptime"), `${uptime}.42 1234.00\n`);
  for (const [pid, { argv, startTicks }] of Object.entries(processes)) {
    await mkdir(join(proc, pid));
    await writeFile(join(proc, pid, "cmdline"), `${argv.join("\0")}\0`);
    await writeFile(join(proc, pid, "stat"), `${pid} (qemu-system-x86) S 1 ${Array.from({ length: 17 }, () => "0").join(" ")} ${startTicks ?? 0} 0 0\n`);
  }
  return {
    proc,
    kill: (pid) => {
      if (!(pid in processes)) throw Object.assign(new Error("ESRCH"), { code: "ESRCH" });
    },
  };
}

async function vmIn(name: string, pidText?: string): Promise<VmFolder> {
  const runDir = await mkdtemp(join(tmpdir(), "vmforge-run, dir-"));
  if (pidText !== undefined) await writeFile(join(runDir, "qemu.pid"), pidText);
  const definition = { name, qmpSocket: join(runDir, "qmp.sock") } as VmFolder["definition"];
  return { name, runDir, definition, givenDir: false, file: (file) => join(runDir, file) };
}

const qemuArgv = (vm: VmFolder) => ["qemu-system-x86_64", "-name", `guest=${vm.name},debug-threads=on`, "-chardev", `socket,id=qmp,path=${vm.definition.qmpSocket.replace(/,/g, ",,")},server=on,wait=off`];

describe("is the pid the VM's QEMU?", () => {
  it("yes when the command line names the VM and its QMP socket (commas in the path escaped as QEMU reads them)", async () => {
    const vm = await vmIn("web-1", "4242\n");
    const table = await fakeProc({ 4242: { argv: qemuArgv(vm), startTicks: 50_000 } });
    expect(await isVmQemu(4242, vm, table)).toBe(true);
    expect(await runningQemu(vm, table)).toEqual({ pid: 4242 });
    expect(await uptimeSeconds(4242, table)).toBe(500);
  });

  it("no for a recycled pid (another program), another VM, another VM's QMP socket, a dead pid, a zombie's empty command line", async () => {
    const vm = await vmIn("web-1", "4242\n");
    const other = await vmIn("web-10");
    const cases: Array<[string, string[]]> = [
      ["sleep", ["sleep", "600"]],
      ["another VM", ["qemu-system-x86_64", "-name", "guest=web-10,debug-threads=on", "-chardev", `socket,id=qmp,path=${vm.definition.qmpSocket.replace(/,/g, ",,")},server=on`]],
      ["a name that only starts alike", ["qemu-system-x86_64", "-name", "guest=web-1x", "-chardev", `socket,id=qmp,path=${vm.definition.qmpSocket.replace(/,/g, ",,")},server=on`]],
      ["another QMP socket", qemuArgv(other).map((arg) => arg.replace("web-10", "web-1"))],
      ["a zombie", [""]],
    ];
    for (const [what, argv] of cases) {
      const table = await fakeProc({ 4242: { argv } });
      expect(await isVmQemu(4242, vm, table), what).toBe(false);
      expect(await runningQemu(vm, table), what).toEqual({ pid: undefined, stalePid: 4242 });
    }
    expect(await runningQemu(vm, await fakeProc({}))).toEqual({ pid: undefined, stalePid: 4242 });
  });

  it("a missing or garbage pid file is no QEMU", async () => {
    const table = await fakeProc({ 1: { argv: ["init"] } });
    for (const text of [undefined, "", "abc", "1\n", "-5", "99999999999999999999"]) {
      expect(await runningQemu(await vmIn("web-1", text), table), String(text)).toMatchObject({ pid: undefined });
    }
  });
});

describe("the commands' arguments", () => {
  const usage = "vmforge start NAME";
  it("takes a name, its own options and ignores the CLI's", () => {
    expect(parseLifecycleArgs(["web-1", "--wait", "--timeout", "30", "--json", "--host-root", "/x", "--connect=qemu:///session"], ["wait", "timeout", "connect", "libvirt"], usage)).toEqual({
      name: "web-1",
      libvirt: true,
      connect: "qemu:///session",
      wait: true,
      timeout: 30,
      dir: undefined,
      force: false,
    });
    expect(parseLifecycleArgs(["--dir", "out"], ["dir"], usage)).toMatchObject({ name: undefined, dir: "out" });
  });

  it.each([
    [[], "Which VM?"],
    [["a", "b"], "One VM name"],
    [["Web_1"], "is not a VM name"],
    [["web-1", "--force"], "--force is not an option"],
    [["web-1", "--timeout", "soon"], "--timeout takes a number"],
    [["web-1", "--timeout", "0"], "--timeout takes a number"],
    [["web-1", "--timeout"], "--timeout needs a value"],
    [["web-1", "--wait=yes"], "--wait takes no value"],
  ])("refuses %j with exit 2", (args, message) => {
    expect(() => parseLifecycleArgs(args, ["wait", "timeout"], usage)).toThrow(expect.objectContaining({ code: "E_LIFECYCLE_USAGE", exitCode: 2, message: expect.stringContaining(message) }));
  });
});
