import { join } from "node:path";
import type { StorageManager } from "@vmforge/kernel";

/** Real runs and dry runs keep their checkpoints and locks apart: `recovery/` and `recovery/plan/`. */
export function recoveryFolder(storage: StorageManager, dryRun: boolean): string {
  return dryRun ? storage.userDataPath("recovery", "plan") : storage.userDataPath("recovery");
}

export function checkpointPath(storage: StorageManager, name: string, dryRun: boolean): string {
  return join(recoveryFolder(storage, dryRun), `${name}.json`);
}

export function lockPath(storage: StorageManager, name: string, dryRun: boolean): string {
  return join(recoveryFolder(storage, dryRun), `${name}.lock`);
}

/** How to resume a run, as the person types it: with the host root it read, when that was a snapshot. */
export function resumeCommandFor(run: { vm: string; dryRun: boolean; hostRoot: string }, extra = ""): string {
  const hostRoot = run.hostRoot === "/" ? "" : ` --host-root ${shellWord(run.hostRoot)}`;
  return `vmforge resume ${run.vm}${run.dryRun ? " --plan" : ""}${hostRoot}${extra ? ` ${extra}` : ""}`;
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
