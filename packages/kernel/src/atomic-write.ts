import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface AtomicWriteOptions {
  mode?: number;
  /** Refuse to replace an existing file. */
  exclusive?: boolean;
}

/** Writes to a temporary file beside the target, flushes it, then renames it into place. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  if (options.exclusive) {
    const { link } = await import("node:fs/promises");
    try {
      await link(temporary, path);
    } finally {
      await rm(temporary, { force: true });
    }
    return;
  }
  await rename(temporary, path);
}
