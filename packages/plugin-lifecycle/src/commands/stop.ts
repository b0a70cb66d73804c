import { ExitCode, VmforgeError, type CommandContext } from "@vmforge/kernel";
import { parseLifecycleArgs } from "../args.js";
import { LifecycleCode } from "../error-codes.js";
import { libvirtUri, readState } from "../lifecycle-state.js";
import { QmpClient } from "../qmp-client.js";
import { isAlive, isVmQemu, liveProcesses, removePidFile, runningQemu, type ProcessTable } from "../qemu-process.js";
import { domainState, virshOrFail } from "../virsh.js";
import { openVmFolder, type VmFolder } from "../vm-folder.js";

export const USAGE = "vmforge stop NAME [--timeout SECONDS] [--force] [--libvirt] [--connect URI] [--dir DIR] [--json]";
/** How long the guest has to power off after the ACPI request. */
export const DEFAULT_STOP_SECONDS = 60;
const TERM_GRACE_MS = 10_000;
const KILL_GRACE_MS = 5_000;

type How = "powered-off" | "terminated" | "killed" | "destroyed" | "not-running";

/** `vmforge stop NAME`: ACPI power-off (QMP system_powerdown or virsh shutdown), then force after the timeout. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const options = parseLifecycleArgs(args, ["timeout", "force", "libvirt", "connect", "dir"], USAGE);
  const vm = await openVmFolder(ctx, options.name, options.dir);
  const state = await readState(vm);
  const timeoutMs = (options.timeout ?? DEFAULT_STOP_SECONDS) * 1000;
  const useLibvirt = options.libvirt || state?.mode === "libvirt";
  let how: How;
  let detail: string;
  if (useLibvirt) {
    const uri = libvirtUri(options.connect, process.env, state);
    ({ how, detail } = await stopLibvirt(vm, uri, timeoutMs, options.force));
  } else {
    ({ how, detail } = await stopQemu(vm, timeoutMs, options.force));
  }
  if (ctx.json) ctx.stdout.write(`${JSON.stringify({ vm: vm.name, mode: useLibvirt ? "libvirt" : "qemu", stopped: how !== "not-running", how })}\n`);
  else ctx.stdout.write(`${detail}\n`);
  return ExitCode.ok;
}

async function stopQemu(vm: VmFolder, timeoutMs: number, force: boolean, table: ProcessTable = liveProcesses): Promise<{ how: How; detail: string }> {
  const found = await runningQemu(vm, table);
  if (found.pid === undefined) {
    if (found.stalePid !== undefined) await removePidFile(vm);
    return { how: "not-running", detail: `${vm.name} is not running${found.stalePid !== undefined ? ` (its stale pid file, naming ${found.stalePid}, was removed; that process was left alone)` : ""}.` };
  }
  const pid = found.pid;
  const stillOurs = async (): Promise<boolean> => isAlive(pid, table) && (await isVmQemu(pid, vm, table));
  if (!force) {
    let asked = false;
    let client: QmpClient | undefined;
    try {
      client = await QmpClient.connect(vm.definition.qmpSocket, { timeoutMs: 5_000 });
      await client.execute("system_powerdown");
      asked = true;
    } catch {
      // No QMP answer: straight to the signals.
    } finally {
      client?.close();
    }
    if (asked && (await exitsWithin(stillOurs, timeoutMs))) {
      await removePidFile(vm);
      return { how: "powered-off", detail: `${vm.name} powered off (ACPI power button over QMP).` };
    }
  }
  const why = force ? "--force" : `it did not power off within ${timeoutMs / 1000} s`;
  if (!(await stillOurs())) {
    await removePidFile(vm);
    return { how: "powered-off", detail: `${vm.name} powered off.` };
  }
  table.kill(pid, "SIGTERM");
  if (await exitsWithin(stillOurs, TERM_GRACE_MS)) {
    await removePidFile(vm);
    return { how: "terminated", detail: `${vm.name} was terminated (SIGTERM to QEMU pid ${pid}: ${why}); the guest did not shut down cleanly.` };
  }
  if (await stillOurs()) table.kill(pid, "SIGKILL");
  if (await exitsWithin(stillOurs, KILL_GRACE_MS)) {
    await removePidFile(vm);
    return { how: "killed", detail: `${vm.name} was killed (SIGKILL to QEMU pid ${pid}: ${why}, and SIGTERM did not end it within ${TERM_GRACE_MS / 1000} s).` };
  }
  throw new VmforgeError(LifecycleCode.stopFailed, `${vm.name}'s QEMU (pid ${pid}) is still there after SIGKILL.`, { fix: "A process stuck in the kernel (a hung device or NFS) ends only when that does; `cat /proc/PID/stack` as root shows where." });
}

async function stopLibvirt(vm: VmFolder, uri: string, timeoutMs: number, force: boolean): Promise<{ how: How; detail: string }> {
  const running = async (): Promise<boolean> => {
    const state = await domainState(uri, vm.name);
    return state !== undefined && state !== "shut off" && state !== "crashed";
  };
  if (!(await running())) return { how: "not-running", detail: `${vm.name} is not running (libvirt ${uri}).` };
  if (!force) {
    await virshOrFail(uri, ["shutdown", vm.name], `Shutting ${vm.name} down`);
    if (await exitsWithin(running, timeoutMs)) return { how: "powered-off", detail: `${vm.name} powered off (virsh shutdown, libvirt ${uri}).` };
  }
  await virshOrFail(uri, ["destroy", vm.name], `Destroying ${vm.name}`);
  return { how: "destroyed", detail: `${vm.name} was destroyed (virsh destroy: ${force ? "--force" : `it did not power off within ${timeoutMs / 1000} s`}); the guest did not shut down cleanly.` };
}

/** Polls until `stillThere` is false or the time is up; true when it ended. */
async function exitsWithin(stillThere: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await stillThere())) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
