import type { Stats } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { ExitCode, VmforgeError, describeFileType, ownershipProblem } from "@vmforge/kernel";
import { RecoveryCode } from "./error-codes.js";

/** Checkpoints and locks decide what a run as root does next: their folder is its user's alone. */
export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Makes the folder (0700) when it is missing, then checks it as {@link checkPrivateFolder} does. */
export async function ensurePrivateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: FOLDER_MODE });
  await checkPrivateFolder(dir);
}

/**
 * A folder others may write into lets them replace a checkpoint or a lock between our checks
 * and our read: it must be a real folder (not a symlink), the running user's, writable by
 * nobody else. A missing folder is fine (there is nothing in it).
 */
export async function checkPrivateFolder(dir: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await lstat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw unsafeFolder(dir, `it cannot be looked at: ${(error as Error).message}`);
  }
  if (!stats.isDirectory()) throw unsafeFolder(dir, `it is ${describeFileType(stats)}, not a folder`);
  const problem = ownershipProblem(stats);
  if (problem) throw unsafeFolder(dir, problem);
}

function unsafeFolder(dir: string, why: string): VmforgeError {
  return new VmforgeError(RecoveryCode.folderUnsafe, `The recovery folder ${dir} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    why: "Checkpoints and locks in it decide what vmforge does next (as root, perhaps), so nobody but you may change them.",
    fix: `Make it yours and private: \`chown -R "$(id -u)" ${dir} && chmod 700 ${dir}\` (vmforge makes it so), or set VMFORGE_DATA_HOME to a folder of yours.`,
  });
}
