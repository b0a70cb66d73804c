import { createHash } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { describeFileType } from "./bounded-read.js";

const MiB = 1024 * 1024;
/** Files up to this size are hashed whole; larger ones (disk images) are sampled. */
export const WHOLE_HASH_LIMIT = 16 * MiB;
/** How much of each end of a large file is hashed. */
const SAMPLE = MiB;

/**
 * What a file was like when a run read it, to tell later whether it changed:
 * - `whole`: a regular file up to 16 MiB, its SHA-256;
 * - `sampled`: a larger regular file (a disk image of many GB): size, mtime, inode and the
 *   SHA-256 of its first and last MiB, which any rewrite by a tool or a booted guest changes in
 *   practice without reading gigabytes;
 * - `device`: a block or character device, by its device number (never read);
 * - `other`: a FIFO, socket or folder, by its type (never opened);
 * - `missing`: nothing there.
 */
export type FileFingerprint =
  | { kind: "whole"; size: number; sha256: string }
  | { kind: "sampled"; size: number; mtimeMs: number; ino: number; dev: number; head: string; tail: string }
  | { kind: "device"; rdev: number }
  | { kind: "other"; type: string }
  | { kind: "missing" };

/** A user file a run read (the VM description, a file it names), and its fingerprint then. */
export interface InputRecord {
  /** Absolute path. */
  path: string;
  /** What it is, for messages: "the VM description", "disk[0]'s image". */
  what: string;
  /** The stage that read it; none for a preflight check. */
  stage?: string;
  fingerprint: FileFingerprint;
}

export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "other", type: `unreadable (${code ?? "error"})` };
  }
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return { kind: "device", rdev: stats.rdev };
  if (!stats.isFile()) return { kind: "other", type: describeFileType(stats) };
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return { kind: "other", type: `unreadable (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  try {
    const opened = await handle.stat();
    if (opened.size <= WHOLE_HASH_LIMIT) {
      const hash = createHash("sha256");
      const buffer = Buffer.allocUnsafe(Math.min(Math.max(opened.size, 1), SAMPLE));
      let size = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        size += bytesRead;
        hash.update(buffer.subarray(0, bytesRead));
        // A file that grows while it is read is hashed no further than the limit.
        if (size > WHOLE_HASH_LIMIT) break;
      }
      return { kind: "whole", size, sha256: hash.digest("hex") };
    }
    const read = async (position: number): Promise<string> => {
      const buffer = Buffer.alloc(SAMPLE);
      const { bytesRead } = await handle.read(buffer, 0, SAMPLE, position);
      return createHash("sha256").update(buffer.subarray(0, bytesRead)).digest("hex");
    };
    return { kind: "sampled", size: opened.size, mtimeMs: opened.mtimeMs, ino: opened.ino, dev: opened.dev, head: await read(0), tail: await read(opened.size - SAMPLE) };
  } finally {
    await handle.close();
  }
}

export function sameFingerprint(a: FileFingerprint, b: FileFingerprint): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** In words, for the message that says a file changed. */
export function describeFingerprint(fingerprint: FileFingerprint): string {
  switch (fingerprint.kind) {
    case "whole":
      return `${fingerprint.size} bytes, sha256 ${fingerprint.sha256.slice(0, 12)}…`;
    case "sampled":
      return `${fingerprint.size} bytes, modified ${new Date(fingerprint.mtimeMs).toISOString()}`;
    case "device":
      return `a device (${fingerprint.rdev})`;
    case "other":
      return fingerprint.type;
    case "missing":
      return "no file";
  }
}

/** The user files a run has read, one record a path (the latest read wins). */
export class InputLog {
  readonly #records = new Map<string, InputRecord>();

  async record(path: string, what: string, stage?: string): Promise<InputRecord> {
    const absolute = resolve(path);
    const record: InputRecord = { path: absolute, what, ...(stage ? { stage } : {}), fingerprint: await fingerprintFile(absolute) };
    this.#records.set(absolute, record);
    return record;
  }

  /** Records an earlier run took (a resumed run keeps them). */
  seed(records: readonly InputRecord[]): void {
    for (const record of records) if (!this.#records.has(record.path)) this.#records.set(record.path, { ...record });
  }

  list(): InputRecord[] {
    return [...this.#records.values()].map((record) => ({ ...record }));
  }
}
