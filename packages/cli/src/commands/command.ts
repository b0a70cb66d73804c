import type { Io } from "../runtime.js";

export interface Command {
  name: string;
  summary: string;
  usage: string;
  help: string;
  /** Returns the exit code; throws VmforgeError for user errors. */
  run(argv: string[], io: Io): Promise<number>;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
