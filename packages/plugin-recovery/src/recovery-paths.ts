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

/** How to resume a run, as the person types it. */
export function resumeCommandFor(name: string, dryRun: boolean, extra = ""): string {
  return `vmforge resume ${name}${dryRun ? " --plan" : ""}${extra ? ` ${extra}` : ""}`;
}
