import { lstatSync } from "node:fs";
import { join, posix } from "node:path";
import { ExitCode, VmforgeError, type Effects, type HostRoot } from "@vmforge/kernel";

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * Where a file vmforge installs on the host (as root) goes: `hostDir/name` below the host root,
 * refused unless it lies where it belongs: the names hold no `..`, every folder on the way that
 * exists is a real folder (no symlink, which mkdir and the write would follow out of the root),
 * and the file, when there, is a regular file (a symlink at its name would have root write
 * through it).
 *
 * When the effects land on another machine (`apply --host`), that machine's folders are checked
 * (through `effects.inspect`) and the paths are its own, not below the host root's folder here.
 */
export async function hostInstallTarget(host: HostRoot, hostDir: string, name: string, effects?: Pick<Effects, "remote" | "inspect">): Promise<{ dir: string; path: string; dirExists: boolean; fileExists: boolean }> {
  const normalizedDir = posix.resolve("/", hostDir);
  if (!FILE_NAME.test(name) || normalizedDir !== hostDir.replace(/\/+$/, "")) refuse(`${hostDir}/${name}`, "its name holds . or .., a slash, or characters a file vmforge installs never has");
  if (effects?.remote !== undefined) return remoteInstallTarget(effects, normalizedDir, name);
  const dir = host.path(normalizedDir);
  // Every folder on the way that exists must be a folder, not a symlink: mkdir and the write
  // would follow one wherever it leads.
  let current = host.root;
  let dirExists = true;
  for (const part of normalizedDir.split("/").filter(Boolean)) {
    current = join(current, part);
    const stats = lstatOrUndefined(current);
    if (!stats) {
      dirExists = false;
      break;
    }
    if (stats.isSymbolicLink() || !stats.isDirectory()) refuse(`${hostDir}/${name}`, `${current} is ${stats.isSymbolicLink() ? "a symlink" : "not a folder"}`);
  }
  const path = join(dir, name);
  const stats = lstatOrUndefined(path);
  if (stats && !stats.isFile()) refuse(path, `it is ${stats.isSymbolicLink() ? "a symlink" : "not a regular file"}`);
  return { dir, path, dirExists, fileExists: stats !== undefined };
}

async function remoteInstallTarget(effects: Pick<Effects, "remote" | "inspect">, dir: string, name: string): Promise<{ dir: string; path: string; dirExists: boolean; fileExists: boolean }> {
  let current = "";
  let dirExists = true;
  for (const part of dir.split("/").filter(Boolean)) {
    current = `${current}/${part}`;
    const kind = await effects.inspect(current);
    if (kind === undefined) {
      dirExists = false;
      break;
    }
    if (kind !== "dir") refuse(`${dir}/${name}`, `${current} on ${effects.remote} is ${kind === "link" ? "a symlink" : "not a folder"}`);
  }
  const path = posix.join(dir, name);
  const kind = dirExists ? await effects.inspect(path) : undefined;
  if (kind !== undefined && kind !== "file") refuse(path, `on ${effects.remote} it is ${kind === "link" ? "a symlink" : "not a regular file"}`);
  return { dir, path, dirExists, fileExists: kind !== undefined };
}

function refuse(path: string, why: string): never {
  throw new VmforgeError("E_HOST_PATH_REFUSED", `vmforge will not write ${path}: ${why}.`, {
    exitCode: ExitCode.usage,
    fix: "Remove what is in the way (or correct the host root), then apply again.",
  });
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
