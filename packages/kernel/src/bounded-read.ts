import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { ExitCode, VmforgeError } from "./errors.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/** How much vmforge reads of each kind of file, at most. */
export const ReadLimits = {
  /** A VM description (TOML). */
  config: 1 * MiB,
  /** A cloud-init user-data file, a network-config, a journal vmforge wrote itself. */
  document: 1 * MiB,
  /** An SSH public key file. */
  key: 64 * KiB,
  /** A text file of the host below a host root (/proc/cpuinfo of a 512-thread machine is < 1 MiB). */
  hostText: 4 * MiB,
  /** The pci.ids database (1.3 MB today). */
  pciIds: 16 * MiB,
  /** An OVMF/edk2 image: 128 KiB to 4 MiB on x86_64, 64 MiB padded on aarch64. */
  firmware: 64 * MiB,
  /** A checkpoint vmforge wrote (the session of a run: host facts, VM definition, ...). */
  checkpoint: 16 * MiB,
} as const;

export type FileReadFault = "missing" | "not-regular" | "too-large" | "unreadable";

/** Why a bounded read refused a file; a VmforgeError with exit code 2 (the user named it). */
export class FileReadError extends VmforgeError {
  constructor(
    readonly path: string,
    readonly fault: FileReadFault,
    message: string,
    fix: string,
    cause?: unknown,
  ) {
    super(FAULT_CODES[fault], message, { exitCode: ExitCode.usage, fix, ...(cause === undefined ? {} : { cause }) });
  }
}

const FAULT_CODES: Record<FileReadFault, string> = {
  missing: "E_FILE_NOT_FOUND",
  "not-regular": "E_FILE_NOT_REGULAR",
  "too-large": "E_FILE_TOO_LARGE",
  unreadable: "E_FILE_UNREADABLE",
};

export interface BoundedReadOptions {
  /** Refuse a file larger than this. */
  maxBytes: number;
  /** What the file is, for messages: "the VM description", "ssh key file". */
  what?: string;
}

/** `a named pipe (FIFO)`, `a character device`... for a file that is not a regular one. */
export function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= KiB) return `${+(bytes / KiB).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * Reads a whole file that must be a regular one, never more than `maxBytes`. It is never
 * opened if it is a FIFO or a device (so nothing blocks and nothing endless is read), it is
 * opened non-blocking and without following a last symlink swapped in since, and the size is
 * counted as it is read (a /proc file says 0 and a growing file lies).
 *
 * The reads are synchronous under the promise: vmforge reads small files one after another,
 * where a round trip through libuv's thread pool for each open, stat, read and close costs more
 * than the read itself (a host check reads about a hundred /sys and /proc files).
 */
export async function readBoundedFile(path: string, options: BoundedReadOptions): Promise<Buffer> {
  const what = options.what ? `${options.what} ` : "";
  let before: Stats;
  try {
    before = statSync(path);
  } catch (error) {
    throw faultOf(path, error, what);
  }
  if (!before.isFile()) {
    throw new FileReadError(path, "not-regular", `${what}${path} is ${describeFileType(before)}, not a regular file.`, "Give the path of a regular file.");
  }
  if (before.size > options.maxBytes) throw tooLarge(path, what, options.maxBytes, before.size);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw faultOf(path, error, what);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.ino !== before.ino || stats.dev !== before.dev) {
      throw new FileReadError(path, "not-regular", `${what}${path} changed while it was opened (now ${describeFileType(stats)}).`, "Give the path of a regular file that nothing replaces.");
    }
    return readUpTo(fd, path, what, options.maxBytes, stats.size);
  } finally {
    closeSync(fd);
  }
}

export async function readBoundedText(path: string, options: BoundedReadOptions): Promise<string> {
  return (await readBoundedFile(path, options)).toString("utf8");
}

function readUpTo(fd: number, path: string, what: string, maxBytes: number, sizeHint: number): Buffer {
  // One byte more than allowed tells a file that is too large from one exactly at the limit.
  const capacity = Math.min(maxBytes + 1, Math.max(sizeHint + 1, 8 * KiB));
  let buffer = Buffer.allocUnsafe(capacity);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > maxBytes) throw tooLarge(path, what, maxBytes, length, true);
  }
  return buffer.subarray(0, length);
}

function tooLarge(path: string, what: string, maxBytes: number, size: number, atLeast = false): FileReadError {
  return new FileReadError(
    path,
    "too-large",
    `${what}${path} is ${atLeast ? "more than" : ""}${atLeast ? " " : ""}${formatBytes(atLeast ? maxBytes : size)}; vmforge reads at most ${formatBytes(maxBytes)} of it.`,
    "Check that the path names the file you meant.",
  );
}

function faultOf(path: string, error: unknown, what: string): FileReadError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return new FileReadError(path, "missing", `${what}${path} does not exist.`, "Check the path.", error);
  if (code === "ELOOP") return new FileReadError(path, "unreadable", `${what}${path} is a loop of symbolic links.`, "Point the path at a real file.", error);
  if (code === "EACCES" || code === "EPERM") return new FileReadError(path, "unreadable", `${what}${path} cannot be read: permission denied.`, "Make the file readable for the user running vmforge.", error);
  return new FileReadError(path, "unreadable", `${what}${path} cannot be read: ${(error as Error).message}`, "Check the file.", error);
}
