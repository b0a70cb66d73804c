import { Writable } from "node:stream";
import { Kernel } from "@vmforge/kernel";
import { run as undo } from "../../src/commands/vfio-undo.js";

/** Runs `vmforge vfio undo ARGS` as the CLI would, with a kernel on `hostRoot`; collects stdout. */
export async function runUndo(args: string[], options: { hostRoot: string; env: Record<string, string>; json?: boolean }) {
  let stdout = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      stdout += String(chunk);
      done();
    },
  });
  const kernel = new Kernel({ hostRoot: options.hostRoot, env: options.env });
  const exitCode = await undo(args, { kernel, stdout: sink, stderr: sink, json: options.json ?? false, cwd: options.hostRoot });
  return { exitCode, stdout, kernel };
}
