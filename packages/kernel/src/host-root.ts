import { readFile, readdir, readlink, stat } from "node:fs/promises";
import { join, resolve, isAbsolute, posix } from "node:path";

export type HostReadKind = "file" | "dir" | "link" | "exists";

/**
 * Every read of the host's `/proc`, `/sys`, `/etc` and `/dev` goes through one root, so a
 * snapshot folder gives the same answers as the machine it was taken from. Reads are
 * recorded so `--save-snapshot` can copy exactly what a check looked at.
 */
export class HostRoot {
  readonly root: string;
  readonly #reads = new Map<string, HostReadKind>();

  constructor(root = "/") {
    this.root = resolve(root);
  }

  get isLive(): boolean {
    return this.root === "/";
  }

  /** The real path of a host path, e.g. `/sys/bus/pci` below the root. */
  path(hostPath: string): string {
    if (!isAbsolute(hostPath)) throw new TypeError(`host path must be absolute: ${hostPath}`);
    // Resolving against "/" first clamps "..", so a path can never climb out of the root.
    const normalized = posix.resolve("/", hostPath);
    return this.root === "/" ? normalized : join(this.root, normalized);
  }

  async readText(hostPath: string): Promise<string | undefined> {
    this.#record(hostPath, "file");
    try {
      return await readFile(this.path(hostPath), "utf8");
    } catch {
      return undefined;
    }
  }

  /** One trimmed line, as sysfs attributes are. */
  async readAttribute(hostPath: string): Promise<string | undefined> {
    return (await this.readText(hostPath))?.trim();
  }

  async list(hostPath: string): Promise<string[]> {
    this.#record(hostPath, "dir");
    try {
      return (await readdir(this.path(hostPath))).sort();
    } catch {
      return [];
    }
  }

  /** The target of a symlink (sysfs `driver`, `iommu_group`), or undefined. */
  async readLink(hostPath: string): Promise<string | undefined> {
    this.#record(hostPath, "link");
    try {
      return await readlink(this.path(hostPath));
    } catch {
      return undefined;
    }
  }

  async exists(hostPath: string): Promise<boolean> {
    this.#record(hostPath, "exists");
    try {
      await stat(this.path(hostPath));
      return true;
    } catch {
      return false;
    }
  }

  /** Host paths read so far and how, for snapshots. */
  reads(): ReadonlyMap<string, HostReadKind> {
    return this.#reads;
  }

  #record(hostPath: string, kind: HostReadKind): void {
    if (!this.#reads.has(hostPath) || kind === "file") this.#reads.set(hostPath, kind);
  }
}
