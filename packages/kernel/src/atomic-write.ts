import { closeSync, constants, copyFileSync, fchmodSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface AtomicWriteOptions {
  mode?: number;
  /** Refuse to replace an existing file. */
  exclusive?: boolean;
  /**
   * Flush the file and its folder to the disk (default), so the write also survives a power
   * cut. `false` keeps it atomic (old file or whole new one) without the two fsyncs: for what a
   * dry run writes, which running it again makes anew.
   */
  durable?: boolean;
}

/**
 * Writes to a temporary file beside the target, flushes it, then renames it into place and
 * flushes the folder, so the target is either the old file or the whole new one, also after a
 * power cut (unless `durable: false`). The temporary file never outlives a failure.
 *
 * The calls are synchronous under the promise: vmforge writes small files (JSON, scripts, a seed
 * image), where each round trip through libuv's thread pool costs more than the write itself.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable ?? true;
  mkdirSync(dirname(path), { recursive: true });
  removeStaleTemporaries(dirname(path));
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(temporary, "wx", options.mode ?? 0o644);
  let renamed = false;
  try {
    try {
      writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
      if (durable) fsyncSync(fd);
      // The mode given to open() is narrowed by the umask; an asked-for mode (0o755 for launch.sh) must hold.
      if (options.mode !== undefined) fchmodSync(fd, options.mode);
    } finally {
      closeSync(fd);
    }
    // link() fails with EEXIST where rename() would silently replace the file.
    if (options.exclusive) placeExclusively(temporary, path);
    else {
      renameSync(temporary, path);
      renamed = true;
    }
  } finally {
    if (!renamed) rmSync(temporary, { force: true });
  }
  if (durable) syncFolderNow(dirname(path));
}

/** Removes a file and flushes its folder, so the removal survives a power cut. A missing file is no error. */
export async function removeFileDurably(path: string): Promise<void> {
  rmSync(path, { force: true });
  syncFolderNow(dirname(path));
}

/** fsync of a folder makes a rename or unlink in it durable; some file systems cannot, which is no error. */
export async function syncFolder(dir: string): Promise<void> {
  syncFolderNow(dir);
}

function syncFolderNow(dir: string): void {
  let fd;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EBADF") throw error;
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let written = 0; written < data.length; ) written += writeSync(fd, data, written, data.length - written);
}

/** Hard link where the filesystem has them; elsewhere (vfat, some network mounts) an exclusive copy. */
function placeExclusively(temporary: string, path: string): void {
  try {
    linkSync(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
    copyFileSync(temporary, path, constants.COPYFILE_EXCL);
  }
}

/** `.<name>.<pid>.<8 hex>.tmp`: the temporary files writeFileAtomic makes, and no one else's. */
const TEMPORARY = /^\..+\.([1-9][0-9]{0,9})\.[0-9a-f]{8}\.tmp$/;
const swept = new Set<string>();

/**
 * A run killed between open() and rename() leaves its temporary file behind. The first write
 * of a process into a folder removes those whose process is gone; a live pid's file may be a
 * write in progress (another vmforge run) and is kept.
 */
function removeStaleTemporaries(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMPORARY.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const path = join(dir, name);
    try {
      if (lstatSync(path).isFile()) rmSync(path, { force: true });
    } catch {
      // Someone else removed it, or we may not: it is only litter.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but someone else's. Only ESRCH says the process is gone.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
