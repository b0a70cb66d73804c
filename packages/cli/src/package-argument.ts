import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ExitCode, VmforgeError, didYouMean } from "@vmforge/kernel";
import { isPluginPackageName } from "./discovery.js";
import { FIRST_PARTY_PLUGINS } from "./first-party-plugins.js";

export const KERNEL_PACKAGE = "@vmforge/kernel";

/** One NAME of `vmforge plugins add`: what npm installs, and the package name it installs. */
export interface PackageArgument {
  /** What npm is given: `name`, `name@range`, or an absolute path. */
  spec: string;
  name: string;
  fromPath: boolean;
}

/** A path, not a registry name: `./x`, `../x`, `/x`, `~/x` or a `.tgz` file. */
export function isPathArgument(word: string): boolean {
  return /^(\.{1,2}|~)?\//.test(word) || /\.(tgz|tar\.gz)$/.test(word) || word === "." || word === "..";
}

/**
 * Reads NAME as `vmforge plugins add` takes it: a plugin package name with an optional
 * `@version`, or a folder or tarball whose package.json names a plugin. `@vmforge/kernel` is
 * accepted too (the plugins' peer). Anything else is a usage error naming what was wrong.
 */
export function parsePackageArgument(word: string, cwd: string, home: string | undefined): PackageArgument {
  if (isPathArgument(word)) {
    const path = resolve(cwd, word.startsWith("~/") && home ? join(home, word.slice(2)) : word);
    const name = packageNameAt(path, word);
    if (name !== KERNEL_PACKAGE && !isPluginPackageName(name)) {
      throw new VmforgeError("E_NOT_A_PLUGIN", `${word} is the package ${name}, which is not a vmforge plugin.`, {
        exitCode: ExitCode.usage,
        why: "vmforge plugins are named @vmforge/plugin-*, vmforge-plugin-* or @scope/vmforge-plugin-*; vmforge finds them by that name.",
        fix: "Give the folder or tarball of a vmforge plugin.",
      });
    }
    return { spec: path, name, fromPath: true };
  }
  const at = word.indexOf("@", word.startsWith("@") ? 1 : 0);
  const name = at > 0 ? word.slice(0, at) : word;
  if (name !== KERNEL_PACKAGE && !isPluginPackageName(name)) {
    const guess = FIRST_PARTY_PLUGINS.find((plugin) => plugin === `@vmforge/plugin-${name}`) ?? didYouMean(name, FIRST_PARTY_PLUGINS);
    throw new VmforgeError("E_NOT_A_PLUGIN_NAME", `"${name}" is not a vmforge plugin package name.`, {
      exitCode: ExitCode.usage,
      why: "vmforge plugins are named @vmforge/plugin-*, vmforge-plugin-* or @scope/vmforge-plugin-*; vmforge finds them by that name.",
      fix: guess ? `Did you mean ${guess}? \`vmforge plugins add ${guess}\`` : "Give a plugin's package name (with an optional @version), or the path of its folder or .tgz.",
    });
  }
  const version = at > 0 ? word.slice(at + 1) : undefined;
  // Only a version, a range or a dist-tag: `npm:other-package`, `file:`, `git+...` and URLs would
  // install a package other than the one named (npm aliases), behind a plugin's name.
  if (version !== undefined && !/^[0-9A-Za-z][0-9A-Za-z.^~<>=*|+\- ]*$|^[\^~<>=*][0-9A-Za-z.^~<>=*|+\- ]*$/.test(version)) {
    throw new VmforgeError("E_PLUGIN_VERSION_SPEC", `"${word}": "${version}" is not a version, a range or a dist-tag.`, {
      exitCode: ExitCode.usage,
      why: "After the name, vmforge plugins add takes what the registry knows of that package (1.2.3, ^1.2, latest); npm's other specs (npm:, file:, git+, URLs) can install another package under a plugin's name.",
      fix: `Give ${name}@<version>, or the path of the plugin's folder or .tgz (for a git checkout, clone it and give its folder).`,
    });
  }
  return { spec: word, name, fromPath: false };
}

const MANIFEST_LIMIT = 1024 * 1024;

/** A folder's package.json: a regular file of at most 1 MiB (a FIFO would block the read forever). */
function readManifest(file: string): string {
  const stats = statSync(file);
  if (!stats.isFile() || stats.size > MANIFEST_LIMIT) throw new Error(`${file} is not a regular file of at most 1 MiB`);
  return readFileSync(file, "utf8");
}

function packageNameAt(path: string, word: string): string {
  if (!existsSync(path)) {
    throw new VmforgeError("E_PLUGIN_PATH_MISSING", `${word}: no such file or folder (${path}).`, { exitCode: ExitCode.usage, fix: "Check the path of the plugin's folder or .tgz." });
  }
  let text: string;
  try {
    text = statSync(path).isDirectory() ? readManifest(join(path, "package.json")) : execFileSync("tar", ["-xzOf", path, "package/package.json"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: MANIFEST_LIMIT });
  } catch {
    throw new VmforgeError("E_NOT_A_PACKAGE", `${word} is not a package: no package.json ${statSync(path).isDirectory() ? "in that folder" : "in that tarball (package/package.json)"}.`, {
      exitCode: ExitCode.usage,
      fix: "Give a package's folder, or a tarball made by `npm pack`.",
    });
  }
  let name: unknown;
  try {
    name = (JSON.parse(text) as { name?: unknown }).name;
  } catch {
    name = undefined;
  }
  if (typeof name !== "string" || name === "") {
    throw new VmforgeError("E_NOT_A_PACKAGE", `${word} has a package.json without a name.`, { exitCode: ExitCode.usage, fix: "Give a package's folder, or a tarball made by `npm pack`." });
  }
  return name;
}
