import type { Io } from "../runtime.js";
import { safeJson } from "../render/visible.js";

export interface Command {
  name: string;
  summary: string;
  usage: string;
  help: string;
  /** Returns the exit code; throws VmforgeError for user errors. */
  run(argv: string[], io: Io): Promise<number>;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${safeJson(value, 2)}\n`);
}

/** `--json-lines`: one JSON object a line. */
export function printJsonLine(io: Io, value: Record<string, unknown>): void {
  io.stdout.write(`${safeJson(value)}\n`);
}
