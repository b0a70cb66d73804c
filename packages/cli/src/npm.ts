import { spawn } from "node:child_process";
import { ExitCode, VmforgeError } from "@vmforge/kernel";

/** How many of npm's last output lines an error shows. */
const TAIL_LINES = 15;

/** The command line as a user would type it, for `--dry-run` and errors. */
export function npmCommandLine(args: readonly string[]): string {
  return ["npm", ...args].map((word) => (/^[\w@./:=+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`)).join(" ");
}

/**
 * Runs npm with `args`; resolves with its output. npm missing is `E_NPM_MISSING` (exit 2: the
 * user installs it); npm failing is `E_NPM_FAILED` (exit 1) with its last lines.
 */
export function runNpm(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(
          new VmforgeError("E_NPM_MISSING", "npm is not on this PATH.", {
            exitCode: ExitCode.usage,
            why: "`vmforge plugins add` and `remove` install with npm, which comes with Node.js.",
            fix: "Install Node.js with its npm (or put npm on PATH), then try again.",
          }),
        );
      } else reject(new VmforgeError("E_NPM_FAILED", `Could not start npm: ${error.message}`, { cause: error }));
    });
    child.on("close", (code, signal) => {
      if (code === 0) return resolve(output);
      const tail = output.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
      reject(
        new VmforgeError("E_NPM_FAILED", `\`${npmCommandLine(args)}\` failed (${signal ? `killed by ${signal}` : `exit ${code}`}).`, {
          why: tail ? `npm said:\n${tail}` : "npm printed nothing.",
          fix: "Check the package names and versions (and the network, for the registry's packages), then try again.",
        }),
      );
    });
  });
}
