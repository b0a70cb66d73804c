import { constants } from "node:fs";
import { copyFile, link, lstat, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface AtomicWriteOptions {
  mode?: number;
  /** Refuse to replace an existing file. */
  exclusive?: boolean;
}

/**
 * Writes to a temporary file beside the target, flushes it, then renames it into place and
 * flushes the folder, so the target is either the old file or the whole new one, also after a
 * power cut. The temporary file never outlives a failure.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await removeStaleTemporaries(dirname(path));
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", options.mode ?? 0o644);
  let renamed = false;
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
      // The mode given to open() is narrowed by the umask; an asked-for mode (0o755 for launch.sh) must hold.
      if (options.mode !== undefined) await handle.chmod(options.mode);
    } finally {
      await handle.close();
    }
    // link() fails with EEXIST where rename() would silently replace the file.
    if (options.exclusive) await placeExclusively(temporary, path);
    else {
      await rename(temporary, path);
      renamed = true;
    }
  } finally {
    if (!renamed) await rm(temporary, { force: true });
  }
  await syncFolder(dirname(path));
}

/** Removes a file and flushes its folder, so the removal survives a power cut. A missing file is no error. */
export async function removeFileDurably(path: string): Promise<void> {
  await rm(path, { force: true });
  await syncFolder(dirname(path));
}

/** fsync of a folder makes a rename or unlink in it durable; some file systems cannot, which is no error. */
export async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EBADF") throw error;
  } finally {
    await handle.close();
  }
}

/** Hard link where the filesystem has them; elsewhere (vfat, some network mounts) an exclusive copy. */
async function placeExclusively(temporary: string, path: string): Promise<void> {
  try {
    await link(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
    await copyFile(temporary, path, constants.COPYFILE_EXCL);
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
async function removeStaleTemporaries(dir: string): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMPORARY.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const path = join(dir, name);
    try {
      if ((await lstat(path)).isFile()) await rm(path, { force: true });
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
