import type { Problem } from "@vmforge/kernel";
import type { TomlLocator } from "./toml-locator.js";

/** A zod 4 issue, as far as problems need it. */
export interface ConfigIssue {
  code?: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  keys?: string[];
  expected?: unknown;
  values?: unknown[];
  maximum?: unknown;
  minimum?: unknown;
  pattern?: unknown;
  input?: unknown;
}

export interface ProblemContext {
  file: string;
  locator: TomlLocator;
  /** The parsed TOML, for "what was given". */
  raw: unknown;
}

/**
 * `["disk", 1, "size"]` -> `disk[1].size`; a key that is not a bare TOML key is quoted as in
 * TOML (`linux."my key"`, `""`), so every path is non-empty and unambiguous.
 */
export function tomlKeyPath(path: ReadonlyArray<PropertyKey>, anyIndex = false): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += anyIndex ? "[]" : `[${part}]`;
    else {
      const key = String(part);
      const segment = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      out += out ? `.${segment}` : segment;
    }
  }
  return out;
}

/** `disk[1].size` -> `disk[].size`: the key of the ALLOWED table. */
export function patternOf(path: ReadonlyArray<PropertyKey>): string {
  return tomlKeyPath(path, true);
}

export function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): { found: boolean; value?: unknown } {
  let node = raw;
  for (const part of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, part as PropertyKey)) return { found: false };
    node = (node as Record<PropertyKey, unknown>)[part as PropertyKey];
  }
  return { found: true, value: node };
}

/** A short, readable rendering of what the user wrote. */
export function describeValue(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid date" : `the date ${value.toISOString()}`;
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : `an array of ${value.length}`;
  if (value !== null && typeof value === "object") return `a table with keys ${Object.keys(value).slice(0, 6).join(", ") || "(none)"}`;
  if (typeof value === "string") return truncate(JSON.stringify(value), 80);
  if (typeof value === "bigint") return `${value}`;
  return String(value);
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** A problem located in the TOML: line, column and source line from the locator. */
export function locatedProblem(context: ProblemContext, path: ReadonlyArray<PropertyKey>, fields: Omit<Problem, "file" | "keyPath">, exact = false): Problem {
  const location = exact ? (context.locator.locateExact(path) ?? context.locator.locate(path)) : context.locator.locate(path);
  const problem: Problem = { ...fields, file: context.file, keyPath: tomlKeyPath(path) };
  if (location) {
    problem.line = location.line;
    problem.column = location.column;
    if (location.sourceLine !== undefined) problem.sourceLine = location.sourceLine;
  }
  if (problem.received === undefined) {
    const given = valueAt(context.raw, path);
    problem.received = given.found ? describeValue(given.value) : "nothing (the key is missing)";
  }
  return looksSecret(path) ? redacted(problem) : problem;
}

const SECRET_KEY = /pass(word|wd|phrase)?|secret|token|private[_-]?key/i;

function looksSecret(path: ReadonlyArray<PropertyKey>): boolean {
  const last = path.at(-1);
  return typeof last === "string" && SECRET_KEY.test(last);
}

/** Problems end up in terminals, CI logs and `--json` documents: a password in one must not. */
function redacted(problem: Problem): Problem {
  const hidden: Problem = { ...problem, received: "a value (not shown: the key looks like a secret)" };
  if (problem.sourceLine !== undefined) hidden.sourceLine = problem.sourceLine.replace(/=.*$/, "= …");
  return hidden;
}

/** What a zod issue says is allowed, when our own table of words has nothing. */
export function expectedFromIssue(issue: ConfigIssue): string | undefined {
  if (issue.code === "invalid_type" && typeof issue.expected === "string") return issue.expected;
  if (issue.code === "invalid_value" && Array.isArray(issue.values)) return issue.values.map((value) => JSON.stringify(value)).join(" | ");
  if (issue.code === "too_big" && issue.maximum !== undefined) return `at most ${String(issue.maximum)}`;
  if (issue.code === "too_small" && issue.minimum !== undefined) return `at least ${String(issue.minimum)}`;
  if (issue.code === "invalid_format" && typeof issue.pattern === "string") return `a string matching ${issue.pattern}`;
  return undefined;
}
