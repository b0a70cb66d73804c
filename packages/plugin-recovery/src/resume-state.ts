import type { ResumeState, SessionEntry } from "@vmforge/kernel";
import type { Checkpoint } from "./checkpoint.js";

/** What the kernel needs to go on from a checkpoint, and which stages run again to produce the secrets it does not hold. */
export function resumeStateOf(checkpoint: Checkpoint, origin: { checkpoint: string; sha256: string }): ResumeState {
  const rerun = secretWriters(checkpoint);
  const session: SessionEntry[] = checkpoint.session.flatMap((entry) => (entry.secret ? [] : [{ ...entry, secret: false }]));
  return {
    completed: checkpoint.stages.done.filter((id) => !rerun.has(id)),
    session,
    runName: checkpoint.vm,
    effects: checkpoint.effects,
    artifacts: checkpoint.artifacts,
    inputs: checkpoint.inputs,
    interrupted: checkpoint.inFlight,
    origin,
  };
}

/**
 * The stages that wrote a secret value: the checkpoint holds only its hash, so they run again
 * (from inputs that are checked unchanged). Every stage that writes a secret is among them, so a
 * stage that runs again never waits on a secret no one produces.
 */
export function secretWriters(checkpoint: Checkpoint): Set<string> {
  return new Set(checkpoint.session.flatMap((entry) => (entry.secret ? entry.writers : [])));
}
