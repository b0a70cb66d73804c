import { execa } from "execa";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { repoRoot } from "@vmforge/test-support";

export type PackageManager = "npm" | "pnpm";

export interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Pack {
  name: string;
  version: string;
  tarball: string;
}

export function readPacks(packsDir: string): Pack[] {
  return JSON.parse(readFileSync(join(packsDir, "packs.json"), "utf8")) as Pack[];
}

/**
 * The environment of a user's shell: none of the variables pnpm sets for the script running
 * the tests (npm_config_*, NODE_PATH), none of this checkout's node_modules/.bin on PATH, no
 * VMFORGE_* of the machine, and an empty plugin folder of the user's own.
 */
export function userEnv(configHome: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|pnpm_|NODE_PATH$|NODE_OPTIONS$|VMFORGE_|INIT_CWD$|VITEST)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? "").split(delimiter).filter((entry) => !entry.startsWith(repoRoot)).join(delimiter);
  env.VMFORGE_CONFIG_HOME = configHome;
  env.VMFORGE_DATA_HOME = join(configHome, "..", "data");
  return env;
}

/**
 * A fresh project installed with npm or pnpm, whose every `@vmforge/*` and `vmforge` name
 * resolves to this checkout's tarballs (npm `overrides`, pnpm-workspace.yaml `overrides`),
 * never to the public registry; other packages (zod...) come from the registry or its cache.
 */
export class FreshProject {
  readonly env: Record<string, string>;
  private readonly dependencies: Record<string, string> = {};

  constructor(
    readonly dir: string,
    readonly manager: PackageManager,
    private readonly packs: Pack[],
  ) {
    mkdirSync(dir, { recursive: true });
    this.env = userEnv(join(dir, "..", `${manager}-config-home`));
  }

  /** `file:` specs of every tarball by package name, plus `extra` (a third-party plugin's tarball). */
  overrides(extra: Record<string, string> = {}): Record<string, string> {
    return { ...Object.fromEntries(this.packs.map((pack) => [pack.name, `file:${pack.tarball}`])), ...extra };
  }

  /** Adds `names` (tarballs of this checkout, or `extra` specs) to the dependencies and installs. */
  async add(names: string[], extra: Record<string, string> = {}): Promise<void> {
    const overrides = this.overrides(extra);
    for (const name of names) {
      const spec = overrides[name];
      if (!spec) throw new Error(`no tarball for ${name}`);
      this.dependencies[name] = spec;
    }
    const manifest: Record<string, unknown> = { name: `vmforge-e2e-${this.manager}`, private: true, type: "module", dependencies: this.dependencies };
    if (this.manager === "npm") manifest.overrides = overrides;
    else writeFileSync(join(this.dir, "pnpm-workspace.yaml"), `overrides:\n${Object.entries(overrides).map(([name, spec]) => `  ${JSON.stringify(name)}: ${JSON.stringify(spec)}\n`).join("")}`);
    writeFileSync(join(this.dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const args = this.manager === "npm" ? ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"] : ["install", "--prefer-offline", "--no-frozen-lockfile"]; // pnpm freezes the lockfile under CI=true; adding packages changes it, as `pnpm add` would
    await execa(this.manager, args, { cwd: this.dir, env: this.env, extendEnv: false });
  }

  /** The project's `vmforge`, as a user runs it: `npx vmforge` or `pnpm exec vmforge`. */
  async vmforge(args: string[]): Promise<Outcome> {
    const [command, prefix] = this.manager === "npm" ? ["npx", ["--no", "vmforge"]] : ["pnpm", ["exec", "vmforge"]];
    const result = await execa(command, [...prefix, ...args], { cwd: this.dir, env: { ...this.env, NO_COLOR: "1" }, extendEnv: false, reject: false });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  /**
   * The install command `vmforge` prints for this project: its lockfile's manager, no `-D` (the
   * project keeps vmforge in `dependencies`), and `-w` where a pnpm-workspace.yaml (here: the
   * overrides) makes the folder a workspace root.
   */
  installLine(names: string[]): string {
    return this.manager === "npm" ? `npm i ${names.join(" ")}` : `pnpm add -w ${names.join(" ")}`;
  }
}
