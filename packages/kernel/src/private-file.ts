import type { Stats } from "node:fs";
import { lstat } from "node:fs/promises";
import { FileReadError, describeFileType, readBoundedFile } from "./bounded-read.js";

export interface OwnershipOptions {
  /** Root's files count as safe too (a journal root wrote for the user, who runs vmforge with sudo). */
  allowRoot?: boolean;
}

/** Why a file or folder is not safely the running user's (and nobody else's to change), or undefined when it is. */
export function ownershipProblem(stats: Stats, options: OwnershipOptions = {}): string | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid && !(options.allowRoot && stats.uid === 0)) {
    return `it belongs to the user with uid ${stats.uid}, not to you (uid ${uid})${options.allowRoot ? " or root" : ""}`;
  }
  if ((stats.mode & 0o022) !== 0) return `others may change it (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")})`;
  return undefined;
}

/** Why {@link readPrivateFile} would not use a file: `too-large`, or `unsafe` (its type, owner or mode, or it changed). */
export class PrivateFileRefused extends Error {
  constructor(
    readonly fault: "unsafe" | "too-large",
    readonly reason: string,
  ) {
    super(reason);
    this.name = "PrivateFileRefused";
  }
}

/**
 * A file vmforge wrote for itself and reads back to decide what it does next, perhaps as root
 * (an undo journal, a checkpoint, a lock). Undefined when there is none. Otherwise it must be a regular
 * file (not a symlink, FIFO or device: never opened), the running user's, writable by nobody
 * else, at most `maxBytes`, and the same file after it was read; else PrivateFileRefused says
 * why, for the caller to turn into its own error.
 */
export async function readPrivateFile(path: string, options: OwnershipOptions & { maxBytes: number; what: string }): Promise<{ bytes: Buffer; stats: Stats } | undefined> {
  let before: Stats;
  try {
    before = await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new PrivateFileRefused("unsafe", `it cannot be looked at: ${(error as Error).message}`);
  }
  checkPrivateFile(before, options);
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(path, { maxBytes: options.maxBytes, what: options.what });
  } catch (error) {
    // Removed between the look and the read (a lock released): there is none.
    if (error instanceof FileReadError && error.fault === "missing") return undefined;
    if (error instanceof FileReadError && error.fault === "too-large") throw new PrivateFileRefused("too-large", error.message);
    throw new PrivateFileRefused("unsafe", (error as Error).message);
  }
  const after = await lstat(path).catch(() => undefined);
  if (!after || after.ino !== before.ino || after.dev !== before.dev) throw new PrivateFileRefused("unsafe", "it was replaced while it was read");
  checkPrivateFile(after, options);
  return { bytes, stats: after };
}

function checkPrivateFile(stats: Stats, options: OwnershipOptions): void {
  if (!stats.isFile()) throw new PrivateFileRefused("unsafe", `it is ${describeFileType(stats)}, not a regular file`);
  const problem = ownershipProblem(stats, options);
  if (problem) throw new PrivateFileRefused("unsafe", problem);
}
