import { join } from "node:path";
import type { StorageManager } from "@vmforge/kernel";

/**
 * Where a run keeps its checkpoint and lock. A real run: `userDataPath()/recovery/`. A dry run
 * writes nothing outside the output folder the user asked for: its state lives in
 * `<--out>/.vmforge/recovery/`, and without `--out` it has none (a plan without --out writes
 * nothing at all, and is simply run again).
 */
export interface RunPlace {
  dryRun: boolean;
  /** `--out DIR`, resolved; undefined without it. */
  outputDir?: string | undefined | null;
}

export function recoveryFolder(storage: StorageManager, place: RunPlace): string | undefined {
  if (!place.dryRun) return storage.userDataPath("recovery");
  return place.outputDir ? join(place.outputDir, ".vmforge", "recovery") : undefined;
}

export function checkpointPath(storage: StorageManager, name: string, place: RunPlace): string | undefined {
  const folder = recoveryFolder(storage, place);
  return folder && join(folder, `${name}.json`);
}

export function lockPath(storage: StorageManager, name: string, place: RunPlace): string | undefined {
  const folder = recoveryFolder(storage, place);
  return folder && join(folder, `${name}.lock`);
}

/** How to resume a run, as the person types it: a dry run with its --out, a snapshot with its host root. */
export function resumeCommandFor(run: { vm: string; dryRun: boolean; hostRoot: string; run?: { outputDir: string | null } }, extra = ""): string {
  const hostRoot = run.hostRoot === "/" ? "" : ` --host-root ${shellWord(run.hostRoot)}`;
  const plan = run.dryRun ? ` --plan${run.run?.outputDir ? ` --out ${shellWord(run.run.outputDir)}` : ""}` : "";
  return `vmforge resume ${run.vm}${plan}${hostRoot}${extra ? ` ${extra}` : ""}`;
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
