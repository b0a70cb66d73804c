import { readdir } from "node:fs/promises";
import { RUN_ID_VARIABLE, readBoundedFile } from "@vmforge/kernel";
import { commandLineOf, isRunning } from "./process-identity.js";

export interface Orphan {
  pid: number;
  command: string;
}

const TERM_GRACE_MS = 3000;
const KILL_GRACE_MS = 2000;
const POLL_MS = 50;

/**
 * A killed run leaves its programs running (a `qemu-img create` carries on, orphaned), still
 * writing the files the next run is about to make. Every program a run starts has the run's id
 * in its environment (VMFORGE_RUN_ID); this stops each live process of the run `runId`: SIGTERM,
 * then SIGKILL after 3 s. Only processes whose environment the running user may read are seen:
 * your own (all of them, as root).
 */
export async function stopProgramsOfRun(runId: string): Promise<Orphan[]> {
  const marker = Buffer.from(`${RUN_ID_VARIABLE}=${runId}\0`);
  const found: Orphan[] = [];
  let pids: number[];
  try {
    pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [];
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    let environment: Buffer;
    try {
      environment = await readBoundedFile(`/proc/${pid}/environ`, { maxBytes: 4 * 1024 * 1024 });
    } catch {
      continue;
    }
    if (!environment.subarray(0, marker.length).equals(marker) && !environment.includes(Buffer.concat([Buffer.from("\0"), marker]))) continue;
    found.push({ pid, command: await commandLineOf(pid) });
  }
  if (found.length === 0) return [];
  signal(found, "SIGTERM");
  if (!(await allGone(found, TERM_GRACE_MS))) {
    signal(found, "SIGKILL");
    await allGone(found, KILL_GRACE_MS);
  }
  return found;
}

function signal(orphans: Orphan[], name: NodeJS.Signals): void {
  for (const { pid } of orphans) {
    try {
      process.kill(pid, name);
    } catch {
      // Gone meanwhile.
    }
  }
}

async function allGone(orphans: Orphan[], withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    const running = await Promise.all(orphans.map(({ pid }) => isRunning(pid)));
    if (!running.includes(true)) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
