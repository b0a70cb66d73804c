import { lstatSync, realpathSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { ExitCode, VmforgeError, type HostRoot } from "@vmforge/kernel";

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * Where a file vmforge installs on the host (as root) goes: `hostDir/name` below the host root,
 * refused unless it lies where it belongs once `..` and symlinks are resolved. Every folder on
 * the way that exists must be itself, not a symlink leading elsewhere, and the file, when there,
 * must be a regular file (a symlink at its name would have root write through it).
 */
export async function hostInstallTarget(host: HostRoot, hostDir: string, name: string): Promise<{ dir: string; path: string; dirExists: boolean }> {
  const normalizedDir = posix.resolve("/", hostDir);
  if (!FILE_NAME.test(name) || normalizedDir !== hostDir.replace(/\/+$/, "")) refuse(`${hostDir}/${name}`, "its name holds . or .., a slash, or characters a file vmforge installs never has");
  const dir = host.path(normalizedDir);
  // The deepest folder on the way that exists must be that folder itself.
  let existing = normalizedDir;
  while (existing !== "/" && !(await host.exists(existing))) existing = posix.dirname(existing);
  const real = host.isLive ? realOrUndefined(existing) : await host.resolve(existing);
  if (real === undefined || resolve(real) !== resolve(host.path(existing))) refuse(`${hostDir}/${name}`, `${existing} is a symlink or leads out of the host root (${real ?? "unresolvable"})`);
  const path = join(dir, name);
  const stats = lstatOrUndefined(path);
  if (stats && !stats.isFile()) refuse(path, `it is ${stats.isSymbolicLink() ? "a symlink" : "not a regular file"}`);
  return { dir, path, dirExists: existing === normalizedDir };
}

function refuse(path: string, why: string): never {
  throw new VmforgeError("E_HOST_PATH_REFUSED", `vmforge will not write ${path}: ${why}.`, {
    exitCode: ExitCode.usage,
    fix: "Remove what is in the way (or correct the host root), then apply again.",
  });
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
