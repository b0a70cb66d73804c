import { isVmforgeError, ExitCode, type Problem } from "@vmforge/kernel";
import type { Palette } from "./render/colors.js";

/** A user error as text: code, every problem located, why and fix. Never a stack trace. */
export function formatError(error: unknown, palette: Palette, debug: boolean): string {
  if (!isVmforgeError(error)) {
    const message = (error as Error)?.message ?? String(error);
    return `${palette.red("error")}[E_INTERNAL]: ${message}\n  This is a bug in vmforge. ${debug ? (error as Error)?.stack ?? "" : "Run again with VMFORGE_DEBUG=1 for the stack trace and report it."}`;
  }
  const lines = [`${palette.red("error")}[${error.code}]: ${error.message}`];
  for (const problem of error.problems) lines.push(...formatProblem(problem, palette));
  if (error.why) lines.push(`  ${palette.bold("why")}: ${error.why}`);
  if (error.fix) lines.push(`  ${palette.bold("fix")}: ${error.fix}`);
  if (debug && error.exitCode === ExitCode.failure && error.stack) lines.push(palette.dim(error.stack));
  return lines.join("\n");
}

export function formatProblem(problem: Problem, palette: Palette): string[] {
  const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ""}` : ""}` : "";
  const head = [where, problem.keyPath ? palette.bold(problem.keyPath) : ""].filter(Boolean).join("  ");
  const lines = [`  - ${head ? `${head}: ` : ""}${problem.message} ${palette.dim(`[${problem.code}]`)}`];
  if (problem.expected || problem.received) {
    lines.push(`      ${problem.expected ? `expected ${problem.expected}` : ""}${problem.expected && problem.received ? ", " : ""}${problem.received ? `got ${problem.received}` : ""}`);
  }
  if (problem.sourceLine !== undefined && problem.line) {
    const gutter = String(problem.line);
    lines.push(`      ${palette.dim(`${gutter} |`)} ${problem.sourceLine}`);
    if (problem.column) lines.push(`      ${" ".repeat(gutter.length)} ${palette.dim("|")} ${" ".repeat(Math.max(0, problem.column - 1))}${palette.red("^")}`);
  }
  if (problem.fix) lines.push(`      fix: ${problem.fix}`);
  return lines;
}

export function exitCodeOf(error: unknown): number {
  return isVmforgeError(error) ? error.exitCode : ExitCode.failure;
}
