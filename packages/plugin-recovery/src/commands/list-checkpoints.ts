import { readdir } from "node:fs/promises";
import { isVmforgeError, type StorageManager } from "@vmforge/kernel";
import { readCheckpoint } from "../checkpoint-file.js";
import { readLock } from "../lock-file.js";
import { isRunning } from "../process-identity.js";
import { checkpointPath, lockPath, recoveryFolder, resumeCommandFor } from "../recovery-paths.js";
import { isFileSafeRunName } from "../run-names.js";

export interface ResumableRun {
  name: string;
  dryRun: boolean;
  /** The first stage not done: where a resume goes on. */
  stoppedAt: string | null;
  /** running (its run is still going on), failed, interrupted, or killed (its run died without a word). */
  status: "running" | "failed" | "interrupted" | "killed";
  updatedAt: string;
  config: string;
  error: { code: string; message: string } | null;
  resume: string;
}

export interface UnusableCheckpoint {
  name: string;
  dryRun: boolean;
  file: string;
  error: { code: string; message: string };
}

/**
 * Every checkpoint of this user's real runs, and of the dry runs whose --out folder is given;
 * one that cannot be used is listed with why, never a crash.
 */
export async function listCheckpoints(storage: StorageManager, planOutputDir?: string): Promise<{ runs: ResumableRun[]; unusable: UnusableCheckpoint[] }> {
  const runs: ResumableRun[] = [];
  const unusable: UnusableCheckpoint[] = [];
  for (const place of [{ dryRun: false }, ...(planOutputDir ? [{ dryRun: true, outputDir: planOutputDir }] : [])]) {
    const { dryRun } = place;
    const folder = recoveryFolder(storage, place)!;
    const names = (await readdir(folder).catch(() => [] as string[]))
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.slice(0, -".json".length))
      .filter(isFileSafeRunName)
      .sort();
    for (const name of names) {
      const file = checkpointPath(storage, name, place)!;
      try {
        const read = await readCheckpoint(file);
        if (!read) continue;
        const { checkpoint } = read;
        const running = checkpoint.status === "running" && (await lockIsLive(lockPath(storage, name, place)!));
        runs.push({
          name: checkpoint.vm,
          dryRun: checkpoint.dryRun,
          stoppedAt: checkpoint.stages.pending[0] ?? null,
          status: checkpoint.status === "running" ? (running ? "running" : "killed") : checkpoint.status,
          updatedAt: checkpoint.updatedAt,
          config: checkpoint.run.configPath,
          error: checkpoint.error,
          resume: resumeCommandFor(checkpoint),
        });
      } catch (error) {
        unusable.push({ name, dryRun, file, error: { code: isVmforgeError(error) ? error.code : "E_CHECKPOINT_UNSAFE", message: (error as Error).message } });
      }
    }
  }
  return { runs, unusable };
}

async function lockIsLive(path: string): Promise<boolean> {
  const held = await readLock(path).catch(() => undefined);
  return held !== undefined && (await isRunning(held.owner.pid));
}
