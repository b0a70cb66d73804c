import { lstatSync, mkdirSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, posix, sep } from "node:path";

/** Linux's limits: a name of 255 bytes, a path (and a symlink target) of 4096. */
const MAX_NAME = 255;
const MAX_PATH = 4096;

/**
 * Puts a remote host's entries into a private folder, in the same tree (the host's `/sys/x` at
 * `<folder>/sys/x`). Every write lands below the folder: the parent of each entry must be a
 * folder this writer made, with no symlink on the way (the remote side chooses link targets and
 * names, so neither is ever followed here); names with `/`, NUL, `.` or `..` are refused.
 */
export class FolderWriter {
  readonly root: string;
  /** Entries created only to be listed, not yet asked for. */
  readonly #placeholders = new Set<string>();

  constructor(folder: string) {
    this.root = realpathSync(folder);
  }

  local(hostPath: string): string {
    const normalized = posix.resolve("/", hostPath);
    if (normalized.length > MAX_PATH || normalized.includes("\0")) throw new Error(`refused host path ${JSON.stringify(hostPath)}`);
    return normalized === "/" ? this.root : join(this.root, normalized);
  }

  /** A folder with an empty placeholder file for each entry; returns the names it took. */
  folder(hostPath: string, names: readonly string[]): string[] {
    const path = this.#replaceable(hostPath);
    mkdirSync(path, { mode: 0o700 });
    const taken: string[] = [];
    for (const name of new Set(names)) {
      if (!isPlainName(name)) continue;
      const child = join(path, name);
      writeFileSync(child, "", { flag: "wx", mode: 0o600 });
      this.#placeholders.add(child);
      taken.push(name);
    }
    return taken;
  }

  /** A placeholder that is what its folder's listing said (a regular file or a device): it stays. */
  keep(hostPath: string): void {
    this.#placeholders.delete(this.local(hostPath));
  }

  link(hostPath: string, target: string): void {
    if (target.length === 0 || target.length > MAX_PATH || target.includes("\0")) return this.absent(hostPath);
    symlinkSync(target, this.#replaceable(hostPath));
  }

  /** A regular file whose content is not fetched yet, or a device that only needs to exist. */
  file(hostPath: string): void {
    writeFileSync(this.#replaceable(hostPath), "", { flag: "wx", mode: 0o600 });
  }

  content(hostPath: string, bytes: Uint8Array): void {
    const path = this.local(hostPath);
    this.#checkParent(path);
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (!stats?.isFile()) throw new Error(`${hostPath} is no file here`);
    writeFileSync(path, bytes, { mode: 0o600 });
  }

  absent(hostPath: string): void {
    this.#replaceable(hostPath);
  }

  /** The local path of `hostPath`, its placeholder removed, its parent checked. */
  #replaceable(hostPath: string): string {
    const path = this.local(hostPath);
    if (path === this.root) throw new Error("the root is always a folder");
    this.#checkParent(path);
    if (this.#placeholders.delete(path)) unlinkSync(path);
    else if (lstatSync(path, { throwIfNoEntry: false })) rmSync(path, { recursive: true });
    return path;
  }

  #checkParent(path: string): void {
    const parent = dirname(path);
    // realpath equal to itself: no symlink on the way; and the folder is ours.
    if (realpathSync(parent) !== parent || (parent !== this.root && !parent.startsWith(this.root + sep))) {
      throw new Error(`refused to write ${path}: its folder is not a plain folder below ${this.root}`);
    }
  }
}

function isPlainName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0") && Buffer.byteLength(name) <= MAX_NAME;
}
