import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@vmforge/test-support";

/** The built `vmforge` command (`pnpm build` first); it finds this plugin through the repository's package.json. */
export const cliBin = join(repoRoot, "packages/cli/dist/bin.js");

export interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Runs the real CLI from the repository root with only the given vmforge folders; kills it after `timeoutMs`. */
export function runCli(args: string[], options: { dataHome: string; configHome: string; timeoutMs?: number }): Promise<CliRun> {
  if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: run \`pnpm build\` first`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.configHome, VMFORGE_DATA_HOME: options.dataHome, VMFORGE_CONFIG_HOME: options.configHome, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 15_000);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}
