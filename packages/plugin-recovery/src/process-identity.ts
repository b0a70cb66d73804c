import { readFile } from "node:fs/promises";

/*
 * Who a process is, from the live /proc (always this machine's: a host root is only where host
 * facts are read). A PID is reused once its process is gone; its start time (clock ticks after
 * boot, field 22 of /proc/PID/stat) and the boot id tell a live owner from a stranger.
 */

export interface ProcessFacts {
  /** Field 3: R, S, D, Z (zombie: gone, not yet reaped)... */
  state: string;
  startTime: number;
}

export async function processFacts(pid: number): Promise<ProcessFacts | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const startTime = Number(fields[19]);
  return { state: fields[0] ?? "?", startTime: Number.isFinite(startTime) ? startTime : -1 };
}

export async function bootId(): Promise<string | undefined> {
  try {
    return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
  } catch {
    return undefined;
  }
}

/** Alive as far as signals tell (EPERM: alive, someone else's); a zombie counts as gone. */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  return (await processFacts(pid))?.state !== "Z";
}

/** The command line of a process, as shown in messages. */
export async function commandLineOf(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean).join(" ");
  } catch {
    return "?";
  }
}
