import { lstat, mkdir, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { VmforgeError, type HostRoot, type HostReadKind } from "@vmforge/kernel";
import { contentSeen, generatedFiles } from "../host/read-log.js";
import { isIdentifying } from "./identifiers.js";

export interface SaveSnapshotOptions {
  /** Also copy MAC addresses, serial numbers and machine ids (off by default). */
  includeIdentifiers?: boolean;
}

export interface SnapshotSummary {
  dir: string;
  files: number;
  links: number;
  dirs: number;
  /** Host paths left out because they identify the machine. */
  skipped: string[];
}

const MAX_LINK_HOPS = 40;

/**
 * Copies exactly what a check read through `host` (see `host.reads()`) into `dir`, in the same
 * tree: files with their content, listed folders with their entries (unread entries become
 * empty placeholders), and every symlink on the way (sysfs `driver`, `iommu_group`, the
 * /sys/bus/pci/devices and /sys/class/net links) recreated as a symlink with the same target,
 * with its target materialized inside the snapshot. Absolute link targets are made relative so
 * the snapshot never points back into the machine that replays it. A HostRoot on `dir` then
 * answers every read the check makes as the host did.
 */
export async function saveSnapshot(host: HostRoot, dir: string, options: SaveSnapshotOptions = {}): Promise<SnapshotSummary> {
  const writer = new SnapshotWriter(host, dir);
  const skipped: string[] = [];
  const reads = [...host.reads()].filter(([path]) => {
    if (options.includeIdentifiers || !isIdentifying(path)) return true;
    skipped.push(path);
    return false;
  });
  try {
    await mkdir(dir, { recursive: true });
    // Folders and placeholders first, so file contents copied afterwards win.
    for (const [path, kind] of reads) if (kind === "dir" || kind === "exists") await writer.copy(path, kind, options);
    for (const [path, kind] of reads) if (kind === "file" || kind === "link") await writer.copy(path, kind, options);
    for (const [path, content] of generatedFiles(host)) await writer.write(path, content);
  } catch (error) {
    throw new VmforgeError("E_SNAPSHOT_WRITE", `Could not write the host snapshot to ${dir}: ${(error as Error).message}`, {
      why: "The folder must be writable and on a file system that supports symlinks.",
      fix: "Choose another folder with --save-snapshot DIR.",
      cause: error,
    });
  }
  return { dir, ...writer.counts, skipped };
}

class SnapshotWriter {
  readonly counts = { files: 0, links: 0, dirs: 0 };
  readonly #done = new Set<string>();

  constructor(
    private readonly host: HostRoot,
    private readonly dir: string,
  ) {}

  async copy(hostPath: string, kind: HostReadKind, options: SaveSnapshotOptions): Promise<void> {
    const real = await this.#resolve(hostPath, kind !== "link");
    if (real === undefined) return;
    const source = this.host.path(real);
    const target = join(this.dir, real);
    // What the check saw wins over what the file says now, even if it is gone since.
    const seen = kind === "file" || kind === "exists" ? contentSeen(this.host, hostPath) : undefined;
    if (seen !== undefined) return this.#file(target, seen);
    const stats = await lstat(source).catch(() => undefined);
    if (!stats) return;
    if (kind === "link") {
      if (stats.isSymbolicLink()) await this.#link(real, await readlink(source));
      return;
    }
    if (kind === "file") {
      const content = stats.isFile() ? await this.host.readBytes(real).catch(() => undefined) : undefined;
      if (content !== undefined) await this.#file(target, content);
      return;
    }
    if (kind === "exists") {
      await this.#placeholder(real, stats.isDirectory());
      return;
    }
    if (!stats.isDirectory()) return;
    await this.#mkdir(real);
    for (const entry of await readdir(source).catch(() => [] as string[])) {
      const entryPath = posix.join(real, entry);
      if (!options.includeIdentifiers && isIdentifying(entryPath)) continue;
      const entryStats = await lstat(this.host.path(entryPath)).catch(() => undefined);
      if (!entryStats) continue;
      if (entryStats.isSymbolicLink()) await this.#link(entryPath, await readlink(this.host.path(entryPath)));
      else await this.#placeholder(entryPath, entryStats.isDirectory());
    }
  }

  /** A file the host does not have, written as is (what systeminformation said, for replay). */
  async write(hostPath: string, content: string): Promise<void> {
    await this.#file(join(this.dir, hostPath), content);
  }

  async #file(target: string, content: string | Uint8Array): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    this.counts.files++;
  }

  /**
   * The path with every symlink on the way recreated in the snapshot and followed, as the
   * kernel would follow it; the last component is followed only when `followLast`.
   */
  async #resolve(hostPath: string, followLast: boolean, hops = 0): Promise<string | undefined> {
    if (hops > MAX_LINK_HOPS) return undefined;
    const parts = hostPath.split("/").filter(Boolean);
    let current = "/";
    for (let index = 0; index < parts.length; index++) {
      const next = posix.join(current, parts[index]!);
      const last = index === parts.length - 1;
      if (last && !followLast) return next;
      const stats = await lstat(this.host.path(next)).catch(() => undefined);
      if (!stats) return posix.join(next, ...parts.slice(index + 1));
      if (stats.isSymbolicLink()) {
        const linkTarget = await readlink(this.host.path(next));
        await this.#link(next, linkTarget);
        const resolved = posix.resolve(posix.dirname(next), linkTarget);
        return this.#resolve(posix.join(resolved, ...parts.slice(index + 1)), followLast, hops + 1);
      }
      current = next;
    }
    return current;
  }

  async #link(hostPath: string, linkTarget: string): Promise<void> {
    if (this.#done.has(hostPath)) return;
    this.#done.add(hostPath);
    const relativeTarget = posix.isAbsolute(linkTarget) ? posix.relative(posix.dirname(hostPath), linkTarget) || "." : linkTarget;
    const at = join(this.dir, hostPath);
    await mkdir(dirname(at), { recursive: true });
    if (await lstat(at).catch(() => undefined)) return;
    await symlink(relativeTarget, at);
    this.counts.links++;
  }

  async #mkdir(hostPath: string): Promise<void> {
    if (this.#done.has(hostPath)) return;
    this.#done.add(hostPath);
    await mkdir(join(this.dir, hostPath), { recursive: true });
    this.counts.dirs++;
  }

  async #placeholder(hostPath: string, isDirectory: boolean): Promise<void> {
    if (isDirectory) return this.#mkdir(hostPath);
    const at = join(this.dir, hostPath);
    if (await lstat(at).catch(() => undefined)) return;
    await mkdir(dirname(at), { recursive: true });
    await writeFile(at, "");
  }
}

