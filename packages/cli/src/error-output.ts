import { isVmforgeError, stageOf, ExitCode, type Problem, type VmforgeError } from "@vmforge/kernel";
import { explainFsError } from "./fs-faults.js";
import type { Palette } from "./render/colors.js";
import { clip, clipLines, excerptAround, Lengths } from "./render/excerpt.js";
import { visible, visibleLine } from "./render/visible.js";

const followUps = new WeakMap<object, VmforgeError[]>();

/**
 * Records a second failure that came after `error` (plan.json could not be written after a
 * stage failed). The first stays the error of the run; the second is reported after it.
 */
export function withFollowUp(error: unknown, next: VmforgeError): unknown {
  const primary = typeof error === "object" && error !== null ? error : new Error(String(error));
  followUps.set(primary, [...(followUps.get(primary) ?? []), next]);
  return primary;
}

function followUpsOf(error: unknown): VmforgeError[] {
  return typeof error === "object" && error !== null ? (followUps.get(error) ?? []) : [];
}

/** A user error as text: code, every problem located, why and fix. Never a stack trace. */
export function formatError(error: unknown, palette: Palette, debug: boolean): string {
  return [formatOne(error, palette, debug), ...followUpsOf(error).map((next) => `${palette.bold("and then")} ${formatOne(next, palette, debug)}`)].join("\n");
}

function formatOne(thrown: unknown, palette: Palette, debug: boolean): string {
  const error = explainFsError(thrown);
  if (!isVmforgeError(error)) {
    const message = visible(clipLines((error as Error)?.message ?? String(error), Lengths.line));
    return `${palette.red("error")}[E_INTERNAL]: ${message}\n  This is a bug in vmforge. ${debug ? visible(stackOf(error)) : "Run again with VMFORGE_DEBUG=1 for the stack trace and report it."}`;
  }
  const lines = [`${palette.red("error")}[${visibleLine(error.code)}]: ${visible(clipLines(error.message, Lengths.line))}`];
  const where = stageOf(error);
  if (where) lines.push(`  in stage ${visibleLine(clip(where.stage, Lengths.value))} of ${visibleLine(clip(where.plugin, Lengths.value))}${where.pluginVersion ? ` ${visibleLine(clip(where.pluginVersion, Lengths.value))}` : ""}`);
  for (const problem of error.problems) lines.push(...formatProblem(problem, palette));
  if (error.why) lines.push(`  ${palette.bold("why")}: ${visible(clipLines(error.why, Lengths.line))}`);
  if (error.fix) lines.push(`  ${palette.bold("fix")}: ${visible(clipLines(error.fix, Lengths.line))}`);
  if (debug && error.exitCode === ExitCode.failure) {
    const stack = stackOf(error);
    if (stack) lines.push(palette.dim(visible(stack)));
  }
  return lines.join("\n");
}

/**
 * The stack to show with VMFORGE_DEBUG=1: the original error's, at the end of the `cause` chain,
 * not the stack of the error that wraps it (whose message is printed above it).
 */
function stackOf(error: unknown): string {
  let root = error;
  const seen = new Set<unknown>([error]);
  for (let cause = (root as { cause?: unknown } | null)?.cause; cause !== undefined && cause !== null && !seen.has(cause) && seen.size < 16; cause = (cause as { cause?: unknown }).cause) {
    seen.add(cause);
    root = cause;
    if (typeof cause !== "object") break;
  }
  const stack = root instanceof Error && root.stack ? root.stack : `thrown: ${String(root)}`;
  return root === error ? stack : `caused by: ${stack}`;
}

export function formatProblem(problem: Problem, palette: Palette): string[] {
  const shown = boundedProblem(problem);
  const where = shown.file ? `${visibleLine(shown.file)}${shown.line ? `:${shown.line}${shown.column ? `:${shown.column}` : ""}` : ""}` : "";
  const head = [where, shown.keyPath ? palette.bold(visibleLine(shown.keyPath)) : ""].filter(Boolean).join("  ");
  const lines = [`  - ${head ? `${head}: ` : ""}${visible(shown.message)} ${palette.dim(`[${visibleLine(shown.code)}]`)}`];
  if (shown.expected || shown.received) {
    lines.push(`      ${shown.expected ? `expected ${visibleLine(shown.expected)}` : ""}${shown.expected && shown.received ? ", " : ""}${shown.received ? `got ${visibleLine(shown.received)}` : ""}`);
  }
  if (problem.sourceLine !== undefined && problem.line) {
    const gutter = String(problem.line);
    const excerpt = excerptAround(problem.sourceLine, problem.column);
    lines.push(`      ${palette.dim(`${gutter} |`)} ${visibleLine(excerpt.text)}`);
    // The caret sits under the column as shown: escapes widen what comes before it.
    if (problem.column) lines.push(`      ${" ".repeat(gutter.length)} ${palette.dim("|")} ${" ".repeat(visibleLine(excerpt.text.slice(0, excerpt.caret)).length)}${palette.red("^")}`);
  }
  if (shown.fix) lines.push(`      fix: ${visible(shown.fix)}`);
  return lines;
}

/** A problem with every echoed value cut to a readable length (a 10 MB TOML line stays in the file). */
export function boundedProblem(problem: Problem): Problem {
  const bounded: Problem = { ...problem, code: clip(problem.code, Lengths.value), message: clipLines(problem.message, Lengths.line) };
  if (problem.file !== undefined) bounded.file = clip(problem.file, Lengths.line);
  if (problem.keyPath !== undefined) bounded.keyPath = clip(problem.keyPath, Lengths.value);
  if (problem.expected !== undefined) bounded.expected = clip(problem.expected, Lengths.value);
  if (problem.received !== undefined) bounded.received = clip(problem.received, Lengths.value);
  if (problem.fix !== undefined) bounded.fix = clipLines(problem.fix, Lengths.line);
  if (problem.sourceLine !== undefined) bounded.sourceLine = excerptAround(problem.sourceLine, problem.column).text;
  return bounded;
}

/** An error as `--json`, `--json-lines` and plan.json carry it, with long values cut. */
export function errorJson(thrown: unknown): Record<string, unknown> {
  const error = explainFsError(thrown);
  if (!isVmforgeError(error)) return { code: "E_INTERNAL", message: clipLines((error as Error)?.message ?? String(error), Lengths.line) };
  return {
    code: error.code,
    message: clipLines(error.message, Lengths.line),
    why: error.why === undefined ? undefined : clipLines(error.why, Lengths.line),
    fix: error.fix === undefined ? undefined : clipLines(error.fix, Lengths.line),
    exitCode: error.exitCode,
    problems: error.problems.map(boundedProblem),
    ...stageFields(error),
  };
}

function stageFields(error: unknown): Record<string, string> {
  const where = stageOf(error);
  if (!where) return {};
  return { stage: clip(where.stage, Lengths.value), plugin: clip(where.plugin, Lengths.value), ...(where.pluginVersion ? { pluginVersion: clip(where.pluginVersion, Lengths.value) } : {}) };
}

/** `{ ok: false, error, also? }`: the error of a run and any failure after it. */
export function errorDocument(error: unknown): Record<string, unknown> {
  const also = followUpsOf(error);
  return { ok: false, error: errorJson(error), ...(also.length ? { also: also.map(errorJson) } : {}) };
}

export function exitCodeOf(error: unknown): number {
  return isVmforgeError(error) ? error.exitCode : ExitCode.failure;
}
