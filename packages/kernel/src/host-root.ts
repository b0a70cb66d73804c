import { lstatSync, readdirSync, readlinkSync, statSync, type Stats } from "node:fs";
import { join, resolve, isAbsolute, posix, relative } from "node:path";
import { FileReadError, ReadLimits, readBoundedFile } from "./bounded-read.js";

export type HostReadKind = "file" | "dir" | "link" | "exists";

/**
 * Where the entries of a host root come from when the folder is filled while it is read (a
 * remote host over SSH): before each lookup, the root asks its source to put the entry at that
 * host path (not following a symlink at its end) into the folder, or to leave it absent.
 */
export interface HostSource {
  materialize(hostPath: string): Promise<void>;
  /** A regular file's content, asked for only when the file is read (not when it is looked up). */
  materializeContent?(hostPath: string): Promise<void>;
}

export interface HostRootOptions {
  source?: HostSource;
}

/** Linux gives up after 40 symlinks in one path (ELOOP); so do we. */
const MAX_SYMLINKS = 40;

/**
 * Every read of the host's `/proc`, `/sys`, `/etc` and `/dev` goes through one root, so a
 * snapshot folder gives the same answers as the machine it was taken from. Paths resolve
 * inside the root the way `openat2(RESOLVE_IN_ROOT)` would: `..` stops at the root and a
 * symlink, even an absolute one, cannot lead out of it. Reads are bounded, and a FIFO or a
 * device is never opened. Reads are recorded so `--save-snapshot` can copy exactly what a
 * check looked at.
 *
 * The file system calls are synchronous under the promises: a check makes a few hundred small
 * ones in a row, and each is cheaper than a round trip through libuv's thread pool.
 */
export class HostRoot {
  readonly root: string;
  readonly #reads = new Map<string, HostReadKind>();
  readonly #source: HostSource | undefined;

  constructor(root = "/", options: HostRootOptions = {}) {
    this.root = resolve(root);
    this.#source = options.source;
    if (this.#source && this.root === "/") throw new TypeError("a host source fills a folder, not /");
  }

  get isLive(): boolean {
    return this.root === "/";
  }

  /**
   * The lexical place of a host path below the root (`..` clamped, symlinks not followed):
   * for naming a path. To open one, use {@link resolve}.
   */
  path(hostPath: string): string {
    const normalized = normalizeHostPath(hostPath);
    return this.root === "/" ? normalized : join(this.root, normalized);
  }

  /**
   * Where a host path really is on this machine, with every symlink on the way followed
   * inside the root (the last one only when `followLast`); undefined when it does not exist,
   * runs through a non-folder, or loops.
   */
  async resolve(hostPath: string, followLast = true): Promise<string | undefined> {
    const normalized = normalizeHostPath(hostPath);
    if (this.isLive) return existsNow(normalized, followLast) ? normalized : undefined;
    const pending = normalized.split("/").filter(Boolean);
    const resolved: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === ".") continue;
      if (part === "..") {
        resolved.pop();
        continue;
      }
      const candidate = join(this.root, ...resolved, part);
      const last = pending.length === 0;
      if (this.#source) await this.#source.materialize(posix.join("/", ...resolved, part));
      const stats = lstatNow(candidate);
      if (!stats) return undefined;
      if (stats.isSymbolicLink() && (followLast || !last)) {
        if (++links > MAX_SYMLINKS) return undefined;
        const target = readLinkNow(candidate);
        if (target === undefined) return undefined;
        // An absolute target means the root's own `/`.
        if (target.startsWith("/")) resolved.length = 0;
        pending.unshift(...target.split("/").filter(Boolean));
        continue;
      }
      if (!last && !stats.isDirectory()) return undefined;
      resolved.push(part);
    }
    return join(this.root, ...resolved);
  }

  /**
   * A text file of the host, at most `maxBytes`; undefined when it is missing or unreadable.
   * A FIFO, a device or a file over the limit is refused with a FileReadError (exit code 2):
   * no machine has those where vmforge reads, so the host root is not a faithful one.
   */
  async readText(hostPath: string, maxBytes: number = ReadLimits.hostText): Promise<string | undefined> {
    return (await this.readBytes(hostPath, maxBytes))?.toString("utf8");
  }

  /** The raw bytes of a host file (pci.ids), under the same rules as {@link readText}. */
  async readBytes(hostPath: string, maxBytes: number = ReadLimits.hostText): Promise<Buffer | undefined> {
    this.#record(hostPath, "file");
    const real = await this.resolve(hostPath);
    if (real === undefined) return undefined;
    await this.#source?.materializeContent?.(posix.join("/", relative(this.root, real)));
    try {
      return await readBoundedFile(real, { maxBytes });
    } catch (error) {
      if (!(error instanceof FileReadError) || error.fault === "missing" || error.fault === "unreadable") return undefined;
      const what = error.message.slice(real.length + 1);
      throw new FileReadError(
        real,
        error.fault,
        this.isLive ? `The host file ${hostPath} ${what}` : `The host root ${this.root} is no faithful snapshot: ${hostPath} ${what}`,
        this.isLive
          ? "Nothing on a Linux host should look like this; check what replaced the file."
          : `Put there the regular file a real machine has, or take a new snapshot with \`vmforge check --save-snapshot DIR\`.`,
      );
    }
  }

  /** One trimmed line, as sysfs attributes are. */
  async readAttribute(hostPath: string): Promise<string | undefined> {
    return (await this.readText(hostPath))?.trim();
  }

  async list(hostPath: string): Promise<string[]> {
    this.#record(hostPath, "dir");
    const real = await this.resolve(hostPath);
    if (real === undefined) return [];
    try {
      return readdirSync(real).sort();
    } catch {
      return [];
    }
  }

  /** The target of a symlink (sysfs `driver`, `iommu_group`), or undefined. */
  async readLink(hostPath: string): Promise<string | undefined> {
    this.#record(hostPath, "link");
    const real = await this.resolve(hostPath, false);
    if (real === undefined) return undefined;
    return readLinkNow(real);
  }

  async exists(hostPath: string): Promise<boolean> {
    this.#record(hostPath, "exists");
    return (await this.resolve(hostPath)) !== undefined;
  }

  /** Host paths read so far and how, for snapshots. */
  reads(): ReadonlyMap<string, HostReadKind> {
    return this.#reads;
  }

  #record(hostPath: string, kind: HostReadKind): void {
    if (!this.#reads.has(hostPath) || kind === "file") this.#reads.set(hostPath, kind);
  }
}

function existsNow(path: string, followLink: boolean): boolean {
  try {
    (followLink ? statSync : lstatSync)(path);
    return true;
  } catch {
    return false;
  }
}

function lstatNow(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function readLinkNow(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** `/proc/../sys//x` → `/sys/x`: absolute, `..` clamped at `/`. */
function normalizeHostPath(hostPath: string): string {
  if (!isAbsolute(hostPath)) throw new TypeError(`host path must be absolute: ${hostPath}`);
  return posix.resolve("/", hostPath);
}
