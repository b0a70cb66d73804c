import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { ExitCode, PrivateFileRefused, ReadLimits, VmforgeError, problemsFromIssues, readPrivateFile, removeFileDurably, writeFileAtomic, type Problem } from "@vmforge/kernel";
import type { Checkpoint } from "./checkpoint.js";
import { RecoveryCode } from "./error-codes.js";
import { FILE_MODE, checkPrivateFolder, ensurePrivateFolder } from "./private-folder.js";

const MAX_PROBLEMS = 10;

/** A checkpoint as read, with the SHA-256 of its bytes (a resumed run checks it is still the same file). */
export interface ReadCheckpoint {
  checkpoint: Checkpoint;
  sha256: string;
}

export function serializeCheckpoint(checkpoint: Checkpoint): string {
  return `${JSON.stringify(checkpoint, null, 1)}\n`;
}

/**
 * Atomically (temp file, fsync, rename, fsync of the folder), mode 0600, in a 0700 folder. A dry
 * run's checkpoint is not flushed: it guards no change to the host, and a power cut only costs
 * running the plan again.
 */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  try {
    await ensurePrivateFolder(dirname(path));
    await writeFileAtomic(path, serializeCheckpoint(checkpoint), { mode: FILE_MODE, durable: !checkpoint.dryRun });
  } catch (error) {
    if (error instanceof VmforgeError) throw error;
    throw new VmforgeError(RecoveryCode.checkpointWrite, `Could not save the checkpoint ${path}: ${(error as Error).message}`, {
      why: "A run saves a checkpoint after every stage, and before every step it could not simply repeat; it does not go on without one.",
      fix: "Check the free space and permissions of the folder (`df -h`, `ls -ld`), then run the command again.",
      cause: error,
    });
  }
}

export async function removeCheckpoint(path: string): Promise<void> {
  await removeFileDurably(path);
}

/**
 * The checkpoint at `path`, undefined when there is none. Only a file vmforge could have written
 * is used: in a folder only you may change, a regular file (not a symlink, FIFO or device),
 * yours, writable by nobody else, at most 16 MiB, checked again after it is read
 * (E_CHECKPOINT_UNSAFE); JSON of the checkpoint's exact shape (E_CHECKPOINT_INVALID). Both exit 2.
 */
export async function readCheckpoint(path: string): Promise<ReadCheckpoint | undefined> {
  await checkPrivateFolder(dirname(path));
  let read: Awaited<ReturnType<typeof readPrivateFile>>;
  try {
    read = await readPrivateFile(path, { maxBytes: ReadLimits.checkpoint, what: "the checkpoint" });
  } catch (error) {
    if (!(error instanceof PrivateFileRefused)) throw error;
    throw error.fault === "too-large" ? invalid(path, error.reason) : unsafe(path, error.reason);
  }
  if (read === undefined) return undefined;
  const { bytes } = read;
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw invalid(path, `it is not JSON (${(error as Error).message}); a run that was cut off while writing it never leaves such a file, so something else wrote it`);
  }
  const { checkpointSchema } = await import("./checkpoint-schema.js");
  const parsed = checkpointSchema.safeParse(document);
  if (!parsed.success) {
    const problems: Problem[] = problemsFromIssues(parsed.error.issues.slice(0, MAX_PROBLEMS), { file: path, code: RecoveryCode.checkpointInvalid });
    if (parsed.error.issues.length > MAX_PROBLEMS) problems.push({ code: RecoveryCode.checkpointInvalid, file: path, message: `and ${parsed.error.issues.length - MAX_PROBLEMS} more` });
    throw invalid(path, "it is not a checkpoint this version of vmforge writes", problems);
  }
  return { checkpoint: parsed.data as Checkpoint, sha256: createHash("sha256").update(bytes).digest("hex") };
}

function unsafe(path: string, why: string): VmforgeError {
  return new VmforgeError(RecoveryCode.checkpointUnsafe, `The checkpoint ${path} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    why: "A checkpoint decides which steps a resumed run skips, so only a regular file nobody but you can change is read.",
    fix: "vmforge writes checkpoints itself, as you, with mode 0600. If you did not change it, someone else may have: look at it, then delete it and run `vmforge apply CONFIG` again (it starts over).",
  });
}

function invalid(path: string, why: string, problems: Problem[] = []): VmforgeError {
  return new VmforgeError(RecoveryCode.checkpointInvalid, `The checkpoint ${path} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    problems,
    why: "A checkpoint that is not exactly one vmforge writes is refused whole: no step is skipped on its word.",
    fix: "Delete it and run `vmforge apply CONFIG` (or `plan`) again: it starts over.",
  });
}
