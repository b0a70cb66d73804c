import type { Artifact, EffectRecord, InputRecord } from "@vmforge/kernel";

export const CHECKPOINT_SCHEMA_VERSION = 1;
export const CHECKPOINT_KIND = "vmforge-checkpoint";

/** A session value as saved: the value itself, or only a salted hash of a secret one. */
export type SavedSessionEntry =
  | { name: string; collection: boolean; version: number; secret: false; writers: string[]; value: unknown }
  | { name: string; collection: boolean; version: number; secret: true; writers: string[]; salt: string; sha256: string };

/**
 * Everything a later `vmforge resume` needs to go on where a run stopped, and to refuse when it
 * cannot (README, "The checkpoint"). Written after every stage that finished, and before and
 * after every effect that cannot simply be repeated.
 */
export interface Checkpoint {
  schemaVersion: typeof CHECKPOINT_SCHEMA_VERSION;
  kind: typeof CHECKPOINT_KIND;
  /** The run's name: the VM. */
  vm: string;
  dryRun: boolean;
  /** The host root the run read (`/`, or `--host-root`). */
  hostRoot: string;
  /** The machine it ran on. */
  host: string;
  /** How to start it again. */
  run: {
    configPath: string;
    outputDir: string | null;
    include: string[];
    flags: Record<string, boolean | string | number | null>;
  };
  createdAt: string;
  updatedAt: string;
  /** The run that wrote it last (VMFORGE_RUN_ID of its programs). */
  runId: string;
  plugins: Array<{ name: string; version: string }>;
  /** In run order: finished; skipped (their condition was false: asked again on resume); the rest. */
  stages: { done: string[]; skipped: string[]; pending: string[] };
  session: SavedSessionEntry[];
  inputs: InputRecord[];
  artifacts: Artifact[];
  effects: EffectRecord[];
  /** Effects that had started and not ended when this was written. */
  inFlight: EffectRecord[];
  status: "running" | "failed" | "interrupted";
  error: { code: string; message: string } | null;
}
