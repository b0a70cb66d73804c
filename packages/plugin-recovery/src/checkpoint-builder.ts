import type { EffectRecord, RunReport, SessionEntry } from "@vmforge/kernel";
import { CHECKPOINT_KIND, CHECKPOINT_SCHEMA_VERSION, type Checkpoint, type SavedSessionEntry } from "./checkpoint.js";
import { newSalt, secretDigest } from "./secret-digest.js";

/** What stays the same for the whole run. */
export type RunFrame = Pick<Checkpoint, "vm" | "dryRun" | "hostRoot" | "host" | "run" | "createdAt" | "runId" | "plugins"> & {
  /** Every stage of the run in order, for `stages.pending`. */
  order: string[];
};

export interface RunProgress {
  done: ReadonlySet<string>;
  skipped: ReadonlySet<string>;
  /** The session as the last finished stage left it. */
  session: readonly SessionEntry[];
  report: RunReport;
  inFlight: readonly EffectRecord[];
  status: Checkpoint["status"];
  error: Checkpoint["error"];
}

/** The checkpoint of a run so far. Secret values are replaced by their salted hash. */
export function buildCheckpoint(frame: RunFrame, progress: RunProgress): Checkpoint {
  const { order, ...fixed } = frame;
  return {
    schemaVersion: CHECKPOINT_SCHEMA_VERSION,
    kind: CHECKPOINT_KIND,
    ...fixed,
    updatedAt: new Date().toISOString(),
    stages: {
      done: order.filter((id) => progress.done.has(id)),
      skipped: order.filter((id) => progress.skipped.has(id) && !progress.done.has(id)),
      pending: order.filter((id) => !progress.done.has(id) && !progress.skipped.has(id)),
    },
    session: progress.session.map(saveEntry),
    inputs: progress.report.inputs,
    artifacts: progress.report.artifacts.map(({ resumed: _resumed, ...artifact }) => artifact),
    effects: progress.report.effects.filter((record) => !progress.inFlight.includes(record)).map(({ resumed: _resumed, ...record }) => record),
    inFlight: progress.inFlight.map((record) => ({ ...record })),
    status: progress.status,
    error: progress.error,
  };
}

function saveEntry(entry: SessionEntry): SavedSessionEntry {
  const { name, collection, version, writers } = entry;
  if (!entry.secret) return { name, collection, version, secret: false, writers, value: entry.value };
  const salt = newSalt();
  return { name, collection, version, secret: true, writers, salt, sha256: secretDigest(entry.value, salt) };
}
