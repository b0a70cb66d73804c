import type { Problem } from "./errors.js";
import type { SchemaIssue } from "./session.js";

export interface SourceLocation {
  line: number;
  column: number;
  sourceLine?: string;
}

/** `["disk", 1, "size"]` becomes `disk[1].size`. */
export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Turns schema issues into located problems; `locate` maps a key path to its line in the file. */
export function problemsFromIssues(
  issues: ReadonlyArray<SchemaIssue & { expected?: unknown; received?: unknown; keys?: unknown }>,
  options: { file?: string; prefix?: ReadonlyArray<PropertyKey>; code?: string; locate?: (path: ReadonlyArray<PropertyKey>) => SourceLocation | undefined } = {},
): Problem[] {
  return issues.map((issue) => {
    const path = [...(options.prefix ?? []), ...issue.path];
    const location = options.locate?.(path);
    const problem: Problem = { code: options.code ?? "E_CONFIG_INVALID", message: issue.message, keyPath: formatKeyPath(path) };
    if (options.file) problem.file = options.file;
    if (location) {
      problem.line = location.line;
      problem.column = location.column;
      if (location.sourceLine !== undefined) problem.sourceLine = location.sourceLine;
    }
    if (typeof issue.expected === "string") problem.expected = issue.expected;
    return problem;
  });
}
