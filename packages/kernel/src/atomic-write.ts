import { constants } from "node:fs";
import { copyFile, link, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface AtomicWriteOptions {
  mode?: number;
  /** Refuse to replace an existing file. */
  exclusive?: boolean;
}

/**
 * Writes to a temporary file beside the target, flushes it, then renames it into place, so
 * the target is either the old file or the whole new one. The temporary file never outlives
 * a failure.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
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
