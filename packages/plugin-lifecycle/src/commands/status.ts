import { ExitCode, type CommandContext } from "@vmforge/kernel";
import { parseLifecycleArgs } from "../args.js";
import { libvirtUri, readState } from "../lifecycle-state.js";
import { qemuStatus } from "../qemu-status.js";
import { domainState } from "../virsh.js";
import { openVmFolder } from "../vm-folder.js";

export const USAGE = "vmforge status NAME [--libvirt] [--connect URI] [--dir DIR] [--json]";

/** `vmforge status NAME`: running or stopped; exit 0 either way (the answer is the output). */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const options = parseLifecycleArgs(args, ["libvirt", "connect", "dir"], USAGE);
  const vm = await openVmFolder(ctx, options.name, options.dir);
  const state = await readState(vm);
  const serialLog = vm.definition.serial.log ?? vm.file("serial.log");
  let report: Record<string, unknown>;
  let line: string;
  if (options.libvirt || state?.mode === "libvirt") {
    const uri = libvirtUri(options.connect, process.env, state);
    const domain = await domainState(uri, vm.name);
    const running = domain === "running" || domain === "paused" || domain === "in shutdown";
    report = { vm: vm.name, mode: "libvirt", uri, state: running ? "running" : "stopped", running, domainState: domain ?? "undefined", runDir: vm.runDir, serialLog };
    line = `${vm.name}: ${running ? "running" : "stopped"} (libvirt ${uri}: ${domain ?? "not defined"}).`;
  } else {
    const status = await qemuStatus(vm);
    const accelerator = status.qmp?.accelerator;
    report = {
      vm: vm.name,
      mode: "qemu",
      state: status.running ? "running" : "stopped",
      running: status.running,
      ...(status.pid ? { pid: status.pid } : {}),
      ...(status.qmp ? { status: status.qmp.status, accelerator } : {}),
      ...(status.uptimeSeconds !== undefined ? { uptimeSeconds: status.uptimeSeconds } : {}),
      ...(status.stalePid ? { stalePid: status.stalePid } : {}),
      runDir: vm.runDir,
      serialLog,
    };
    line = status.running
      ? `${vm.name}: running (QEMU pid ${status.pid}${accelerator ? `, ${accelerator.toUpperCase()}` : ""}${status.qmp && status.qmp.status !== "running" ? `, ${status.qmp.status}` : ""}${status.uptimeSeconds !== undefined ? `, up ${duration(status.uptimeSeconds)}` : ""}${status.qmp ? "" : ", QMP does not answer"}).`
      : `${vm.name}: stopped${status.stalePid ? ` (the pid file names ${status.stalePid}, which is no longer its QEMU)` : ""}.`;
  }
  ctx.stdout.write(ctx.json ? `${JSON.stringify(report)}\n` : `${line}\n`);
  return ExitCode.ok;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
