import { readFile, rm } from "node:fs/promises";
import { readBoundedText } from "@vmforge/kernel";
import { join } from "node:path";
import { escapeOptionValue } from "./qemu-option.js";
import type { VmFolder } from "./vm-folder.js";

export const PID_FILE = "qemu.pid";

/** Where processes are read: the live /proc; tests give a folder shaped like it. */
export interface ProcessTable {
  proc: string;
  /** Signals a process; throws as process.kill does. */
  kill(pid: number, signal: NodeJS.Signals | 0): void;
}

export const liveProcesses: ProcessTable = { proc: "/proc", kill: (pid, signal) => void process.kill(pid, signal) };

/** The pid QEMU wrote with -pidfile, or undefined when there is none (or it holds no pid). */
export async function readPidFile(vm: VmFolder): Promise<number | undefined> {
  let text: string;
  try {
    // QEMU writes a few bytes; more, a FIFO or a device is not a pid file of QEMU's.
    text = await readBoundedText(vm.file(PID_FILE), { maxBytes: 64 });
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

export async function removePidFile(vm: VmFolder): Promise<void> {
  await rm(vm.file(PID_FILE), { force: true });
}

/**
 * Whether `pid` is this VM's QEMU: alive, and its command line names the VM (`-name guest=NAME`)
 * and its QMP socket. A pid recycled by an unrelated process since the pid file was written
 * is not, and is never signalled.
 */
export async function isVmQemu(pid: number, vm: VmFolder, table: ProcessTable = liveProcesses): Promise<boolean> {
  let raw: Buffer;
  try {
    raw = await readFile(join(table.proc, String(pid), "cmdline"));
  } catch {
    return false;
  }
  const argv = raw.toString("utf8").split("\0");
  const nameAt = argv.indexOf("-name");
  const guest = nameAt >= 0 ? argv[nameAt + 1] : undefined;
  const namesVm = guest !== undefined && (guest === `guest=${escapeOptionValue(vm.name)}` || guest.startsWith(`guest=${escapeOptionValue(vm.name)},`));
  const qmp = `path=${escapeOptionValue(vm.definition.qmpSocket)}`;
  const ownsQmp = argv.some((arg) => arg.includes(`,${qmp},`) || arg.endsWith(`,${qmp}`));
  return namesVm && ownsQmp;
}

export function isAlive(pid: number, table: ProcessTable = liveProcesses): boolean {
  try {
    table.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running QEMU of the VM by its pid file, or undefined (no pid file, a dead pid, a recycled pid). */
export async function runningQemu(vm: VmFolder, table: ProcessTable = liveProcesses): Promise<{ pid: number } | { pid: undefined; stalePid?: number }> {
  const pid = await readPidFile(vm);
  if (pid === undefined) return { pid: undefined };
  if (isAlive(pid, table) && (await isVmQemu(pid, vm, table))) return { pid };
  return { pid: undefined, stalePid: pid };
}

/** Seconds the process has run, from /proc/PID/stat and /proc/uptime; undefined when unknown. */
export async function uptimeSeconds(pid: number, table: ProcessTable = liveProcesses): Promise<number | undefined> {
  try {
    const stat = await readFile(join(table.proc, String(pid), "stat"), "utf8");
    // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startTicks = Number(fields[19]);
    const systemUp = Number((await readFile(join(table.proc, "uptime"), "utf8")).split(" ")[0]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(systemUp)) return undefined;
    // USER_HZ is 100 on every Linux architecture vmforge runs on.
    return Math.max(0, Math.round(systemUp - startTicks / 100));
  } catch {
    return undefined;
  }
}
