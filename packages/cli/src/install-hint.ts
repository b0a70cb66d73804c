import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findProjectManifest, isPluginPackageName } from "./discovery.js";

export interface InstallPlace {
  /** The folder the command runs for (`--project`, else the working folder). */
  projectDir: string;
  /** `$VMFORGE_CONFIG_HOME`, whose package.json lists plugins installed for this user. */
  userConfigDir: string;
}

type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

const LOCKFILES: Array<[string, PackageManager]> = [
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
];

/**
 * How to install packages where vmforge will find them, the way the project installs: its
 * package manager (`packageManager` in package.json, else its lockfile), as a dev dependency
 * unless it keeps vmforge in `dependencies`, at a pnpm workspace's root with `-w`. Outside a
 * project, both ways vmforge finds plugins there.
 */
export function installHint(packages: readonly string[], place: InstallPlace): string {
  const names = packages.join(" ");
  const manifestPath = findProjectManifest(place.projectDir);
  if (!manifestPath) {
    return `There is no package.json at or above ${place.projectDir}. Make the folder a project: \`npm init -y && npm i -D @vmforge/cli ${names}\`, or install for your user (into ${place.userConfigDir}): \`vmforge plugins add ${names}\`.`;
  }
  const projectDir = dirname(manifestPath);
  const manifest = readManifest(manifestPath);
  const manager = managerOf(manifest, projectDir);
  const dev = !Object.keys(manifest.dependencies ?? {}).some((name) => name === "@vmforge/cli" || name === "vmforge" || isPluginPackageName(name));
  const workspaceRoot = manager === "pnpm" && existsSync(join(projectDir, "pnpm-workspace.yaml"));
  const command = {
    pnpm: `pnpm add${dev ? " -D" : ""}${workspaceRoot ? " -w" : ""} ${names}`,
    npm: `npm i${dev ? " -D" : ""} ${names}`,
    yarn: `yarn add${dev ? " -D" : ""} ${names}`,
    bun: `bun add${dev ? " -d" : ""} ${names}`,
  }[manager];
  return `Install ${packages.length === 1 ? "it" : "them"} in ${projectDir}: \`${command}\``;
}

interface Manifest {
  packageManager?: string;
  dependencies?: Record<string, string>;
}

function readManifest(path: string): Manifest {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch {
    return {};
  }
}

function managerOf(manifest: Manifest, projectDir: string): PackageManager {
  const declared = manifest.packageManager?.split("@")[0];
  if (declared === "npm" || declared === "pnpm" || declared === "yarn" || declared === "bun") return declared;
  // A workspace's lockfile sits at its root, above the package.
  for (let dir = projectDir; ; dir = dirname(dir)) {
    const found = LOCKFILES.find(([file]) => existsSync(join(dir, file)));
    if (found) return found[1];
    if (dirname(dir) === dir) return "npm";
  }
}
