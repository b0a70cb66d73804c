import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

export interface StorageEnvironment {
  [name: string]: string | undefined;
}

/**
 * Where vmforge keeps things, following the XDG base directories:
 * `VMFORGE_CONFIG_HOME` > `$XDG_CONFIG_HOME/vmforge` > `~/.config/vmforge`, and the same for data
 * (`~/.local/share`) and the cache (`VMFORGE_CACHE_HOME`, `$XDG_CACHE_HOME`, `~/.cache`: downloaded images).
 * Empty variables count as unset; relative `XDG_*` values are ignored, as the XDG specification asks.
 */
export class StorageManager {
  readonly #configHome: string;
  readonly #dataHome: string;
  readonly #cacheHome: string;

  constructor(env: StorageEnvironment = process.env, home: string = env.HOME || homedir()) {
    this.#configHome = resolve(env.VMFORGE_CONFIG_HOME || join(absoluteOrUndefined(env.XDG_CONFIG_HOME) ?? join(home, ".config"), "vmforge"));
    this.#dataHome = resolve(env.VMFORGE_DATA_HOME || join(absoluteOrUndefined(env.XDG_DATA_HOME) ?? join(home, ".local", "share"), "vmforge"));
    this.#cacheHome = resolve(env.VMFORGE_CACHE_HOME || join(absoluteOrUndefined(env.XDG_CACHE_HOME) ?? join(home, ".cache"), "vmforge"));
  }

  userConfigPath(...segments: string[]): string {
    return join(this.#configHome, ...segments);
  }

  userDataPath(...segments: string[]): string {
    return join(this.#dataHome, ...segments);
  }

  /** What can be fetched again (downloaded images); nothing in it is the only copy. */
  userCachePath(...segments: string[]): string {
    return join(this.#cacheHome, ...segments);
  }
}

function absoluteOrUndefined(path: string | undefined): string | undefined {
  return path && isAbsolute(path) ? path : undefined;
}
