import { link, lstat, mkdir, rename, rm, stat } from "node:fs/promises";
import { writeFileAtomic } from "./atomic-write.js";
import { runProgram, type ProgramOptions, type RunResult } from "./run-program.js";

/** What is at a path, not following a symlink at its end. */
export type HostEntryKind = "file" | "dir" | "link" | "block" | "other";

export interface TargetWriteOptions {
  mode?: number;
  /** Never replace what is there: fail with an error whose `code` is `EEXIST`. */
  exclusive: boolean;
  /** Flushed to the disk (a dry run's output need not be). */
  durable: boolean;
}

/**
 * The machine a run's effects land on: this one, or another one (`apply --host ssh://...`),
 * where the same absolute paths and programs are those of that machine. Effects go through it;
 * a stage never holds one.
 */
export interface EffectTarget {
  /** undefined for this machine; otherwise how messages name the other one (`ssh://root@gpu-box`). */
  readonly remote: string | undefined;
  /** Atomic: the old file or the whole new one, never a half-written file. */
  writeFile(path: string, data: string | Uint8Array, options: TargetWriteOptions): Promise<void>;
  mkdir(path: string): Promise<void>;
  run(file: string, args: string[], options: ProgramOptions): Promise<RunResult>;
  /** What is at `path`; with `follow`, at the end of its symlinks (never "link"). */
  inspect(path: string, options?: { follow?: boolean }): Promise<HostEntryKind | undefined>;
  /** Gives a finished file at `temporary` the name `path`, never replacing a file that appeared meanwhile (`EEXIST`). */
  moveIntoPlace(temporary: string, path: string): Promise<void>;
  /** Removes a file; nothing there is no error. */
  remove(path: string): Promise<void>;
  /** Makes a file of this machine be at the same path there (nothing to do on this machine). */
  upload(localPath: string, bytes: number): Promise<void>;
}

/** This machine. */
export const localTarget: EffectTarget = {
  remote: undefined,
  async writeFile(path, data, options) {
    await writeFileAtomic(path, data, { ...(options.mode === undefined ? {} : { mode: options.mode }), exclusive: options.exclusive, durable: options.durable });
  },
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  run: runProgram,
  async inspect(path, options) {
    const stats = await (options?.follow ? stat(path) : lstat(path)).catch(() => undefined);
    if (!stats) return undefined;
    return stats.isSymbolicLink() ? "link" : stats.isDirectory() ? "dir" : stats.isFile() ? "file" : stats.isBlockDevice() ? "block" : "other";
  },
  async moveIntoPlace(temporary, path) {
    try {
      // link() fails with EEXIST where rename() would silently replace the file.
      await link(temporary, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw error;
      // No hard links here (vfat, some network mounts): rename, after making sure nothing is there.
      if (await lstat(path).then(() => true, () => false)) throw Object.assign(new Error(`${path} appeared meanwhile`), { code: "EEXIST" });
      await rename(temporary, path);
      return;
    }
    await rm(temporary, { force: true });
  },
  async remove(path) {
    await rm(path, { force: true });
  },
  async upload() {},
};
