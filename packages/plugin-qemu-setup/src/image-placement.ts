import { link, lstat, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Where `qemu-img create` writes a new image before it is complete: beside the target, so the
 * rename stays on one filesystem. The name is fixed, so a run killed mid-create leaves one
 * hidden file that the next run's create simply overwrites; the image itself never exists half-made.
 */
export function temporaryImagePath(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial.tmp`);
}

/** Moves a finished image into place, never over a file that appeared meanwhile. */
export async function placeImage(temporary: string, path: string): Promise<void> {
  try {
    // link() fails with EEXIST where rename() would silently replace the file.
    await link(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
    // No hard links here (vfat, some network mounts): rename, after making sure nothing is there.
    if (await lstat(path).then(() => true, () => false)) throw Object.assign(new Error(`${path} appeared while the image was created`), { code: "EEXIST" });
    await rename(temporary, path);
    return;
  }
  await rm(temporary, { force: true });
}

export async function removeTemporary(temporary: string): Promise<void> {
  await rm(temporary, { force: true }).catch(() => undefined);
}
