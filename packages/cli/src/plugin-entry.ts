import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

type ExportTarget = string | { [condition: string]: ExportTarget } | null | undefined;

/**
 * Resolves `<package>/plugin` as seen from the package.json that lists the package. The common
 * case (the plugin exports `./package.json`, and `./plugin` maps to a file under the `import` or
 * `default` condition) is answered with Node's own resolver; anything else goes to
 * import-meta-resolve, which implements the whole ESM algorithm but costs ~25 ms to load, a
 * tenth of a cold `vmforge check`.
 */
export async function resolvePluginEntry(packageName: string, listedIn: string): Promise<string> {
  try {
    const manifestPath = createRequire(listedIn).resolve(`${packageName}/package.json`);
    const { exports } = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: Record<string, ExportTarget> };
    const target = pickTarget(exports?.["./plugin"]);
    if (target?.startsWith("./")) return pathToFileURL(join(dirname(manifestPath), target)).href;
  } catch {
    // fall through to the full resolver
  }
  const { resolve } = await import("import-meta-resolve");
  return resolve(`${packageName}/plugin`, pathToFileURL(listedIn).href);
}

function pickTarget(target: ExportTarget): string | undefined {
  if (typeof target === "string") return target;
  if (!target || typeof target !== "object") return undefined;
  for (const condition of ["node", "import", "default"]) {
    const picked = pickTarget(target[condition]);
    if (picked) return picked;
  }
  return undefined;
}

export interface InstalledPackage {
  /** The package's folder, as Node would find it from the package.json that lists it. */
  dir: string;
  version: string;
  /** Whether its `exports` name a "./plugin" entry at all (it may map it to no file Node can import). */
  hasPluginExport: boolean;
}

/**
 * Where Node would find the package, looked up without its exports map: only called after
 * resolving `<package>/plugin` failed, to tell a package that is not installed from one that
 * is installed but is no plugin.
 */
export function findInstalledPackage(packageName: string, listedIn: string): InstalledPackage | undefined {
  for (const manifestPath of nodeModulesManifests(packageName, listedIn)) {
    try {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { version?: string; exports?: unknown };
      const exports = manifest.exports;
      const hasPluginExport = typeof exports === "object" && exports !== null && !Array.isArray(exports) && Object.hasOwn(exports, "./plugin");
      return { dir: dirname(manifestPath), version: typeof manifest.version === "string" ? manifest.version : "(no version)", hasPluginExport };
    } catch {
      // not here (or unreadable): look further up, as Node does
    }
  }
  return undefined;
}

/**
 * Where Node's lookup of a bare name would look for `packageName`'s package.json, nearest first:
 * `node_modules` folders from the folder of `listedIn` upward (never NODE_PATH, which pnpm sets
 * for scripts and which a plugin's own imports would not see).
 */
export function* nodeModulesManifests(packageName: string, listedIn: string): Generator<string> {
  for (let dir = dirname(listedIn); ; dir = dirname(dir)) {
    yield join(dir, "node_modules", packageName, "package.json");
    if (dirname(dir) === dir) return;
  }
}
