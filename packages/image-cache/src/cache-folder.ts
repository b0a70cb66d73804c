import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readFile, realpath, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { imageError } from "./errors.js";
import { imageCacheKey, type ImageSource } from "./image-source.js";

export const FOLDER_MODE = 0o755;
export const FILE_MODE = 0o644;

/**
 * The image cache: `<root>/<key>/<file name>` holds only images whose checksum was verified;
 * `<root>/partial/<key>.part` holds downloads under way (resumed by the next run). vmforge made
 * every folder in it: none may be a symlink, writable by others, or owned by another user.
 */
export class ImageCache {
  constructor(readonly root: string) {
    if (!isAbsolute(root)) throw new Error(`the image cache must be an absolute path: ${root}`);
  }

  keyOf(source: ImageSource): string {
    return imageCacheKey(source);
  }

  /** Where the verified image lives (or will): pure, touches nothing. */
  entryPath(source: ImageSource): string {
    return join(this.root, this.keyOf(source), source.fileName);
  }

  partialPath(source: ImageSource): string {
    return join(this.root, "partial", `${this.keyOf(source)}.part`);
  }

  /** The verified image when it is cached; undefined when not (or no cache yet). Reads only. */
  async lookup(source: ImageSource): Promise<string | undefined> {
    const path = this.entryPath(source);
    for (const folder of [this.root, dirname(path)]) {
      const stats = await lstatOrUndefined(folder);
      if (!stats) return undefined;
      this.#checkFolder(folder, stats);
    }
    const stats = await lstatOrUndefined(path);
    if (!stats) return undefined;
    if (!stats.isFile()) throw this.#unsafe(path, stats.isSymbolicLink() ? "it is a symlink" : "it is not a regular file");
    await this.#checkInside(path);
    return path;
  }

  /** Makes the cache and its `partial/` folder (and the folders above, as needed); returns the partial file's path. */
  async preparePartial(source: ImageSource): Promise<string> {
    await mkdir(dirname(dirname(this.root)), { recursive: true, mode: 0o700 });
    await this.#folder(dirname(this.root));
    await this.#folder(this.root);
    await this.#folder(join(this.root, "partial"));
    const path = this.partialPath(source);
    const stats = await lstatOrUndefined(path);
    if (stats && !stats.isFile()) throw this.#unsafe(path, stats.isSymbolicLink() ? "it is a symlink" : "it is not a regular file");
    return path;
  }

  /**
   * One download of an image at a time: `partial/<key>.lock` holds the downloading process's
   * id. A lock whose process is gone (a killed run) is taken over. Call after preparePartial;
   * returns the release.
   */
  async lock(source: ImageSource): Promise<() => Promise<void>> {
    const path = join(this.root, "partial", `${this.keyOf(source)}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return () => rm(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = Number.parseInt((await readFile(path, { encoding: "utf8", flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch(() => "")).slice(0, 32), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw imageError(
          "E_IMAGE_BUSY",
          `Another vmforge run (process ${holder}) is downloading this image into ${dirname(path)}.`,
          "Two runs writing one download would spoil it; the image is fetched once and shared.",
          "Wait for the other run to finish, then run the command again (the image is then cached).",
        );
      }
      await rm(path, { force: true });
    }
    throw imageError("E_IMAGE_BUSY", `Could not take the download lock ${path}.`, "Another run takes it at the same moment.", "Run the command again.");
  }

  /** Makes the entry's folder; returns the image's final path. */
  async prepareEntry(source: ImageSource): Promise<string> {
    const path = this.entryPath(source);
    await this.#folder(dirname(path));
    await this.#checkInside(path);
    return path;
  }

  /** Throws unless `path`'s folder, resolved, lies inside the cache's real path. */
  async #checkInside(path: string): Promise<void> {
    const [root, folder] = await Promise.all([realpath(this.root), realpath(dirname(path))]);
    const rel = relative(root, folder);
    if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw this.#unsafe(path, `it resolves to ${folder}, outside the cache ${root}`);
  }

  async #folder(path: string): Promise<void> {
    try {
      await mkdir(path, { mode: FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw imageError("E_IMAGE_CACHE_UNSAFE", `Could not make the image cache folder ${path}: ${(error as Error).message}`, "Images are kept in vmforge's cache folder.", "Check the permissions of the folders above it, or set VMFORGE_CACHE_HOME (or XDG_CACHE_HOME) to a folder you own.", error);
    }
    this.#checkFolder(path, await lstat(path));
  }

  #checkFolder(path: string, stats: Stats): void {
    if (stats.isSymbolicLink()) throw this.#unsafe(path, "it is a symlink");
    if (!stats.isDirectory()) throw this.#unsafe(path, "it is not a folder");
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) throw this.#unsafe(path, `it belongs to another user (uid ${stats.uid})`);
    if ((stats.mode & 0o022) !== 0) throw this.#unsafe(path, "others may write to it");
  }

  #unsafe(path: string, why: string) {
    return imageError(
      "E_IMAGE_CACHE_UNSAFE",
      `vmforge does not use ${path} in its image cache: ${why}.`,
      "The cache holds base images VMs boot from; vmforge keeps it to folders and files it made itself, so nothing can be swapped in through a link or another user's folder.",
      `Remove ${path} (vmforge downloads the image again), or set VMFORGE_CACHE_HOME to a folder you own.`,
    );
  }
}

/** Open flags for a file in the cache: never through a symlink. */
export const NO_FOLLOW = constants.O_NOFOLLOW;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
