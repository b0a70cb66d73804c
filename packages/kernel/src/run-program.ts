export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How a program is started: never through a shell. */
export interface ProgramOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
}

export async function runProgram(file: string, args: string[], options: ProgramOptions = {}): Promise<RunResult> {
  // Loaded at the first program run: child_process costs a cold start about 10 ms, and most runs start none.
  const { spawn } = await import("node:child_process");
  return new Promise((resolvePromise) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : process.env, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => resolvePromise({ exitCode: 127, stdout, stderr: stderr + error.message }));
    child.on("close", (code) => resolvePromise({ exitCode: code ?? 1, stdout, stderr }));
    if (child.stdin) {
      // A program that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input);
    }
  });
}
