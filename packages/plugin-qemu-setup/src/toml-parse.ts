import { parse as parseToml, TomlError } from "smol-toml";
import { ExitCode, VmforgeError, type Problem } from "@vmforge/kernel";

/** TOML text -> plain data, or E_CONFIG_SYNTAX with file:line:column, the line and where it sits. */
export function parseTomlOrThrow(path: string, text: string): Record<string, unknown> {
  try {
    return plainData(parseToml(text)) as Record<string, unknown>;
  } catch (error) {
    const lines = text.split(/\r?\n/);
    const line = error instanceof TomlError ? error.line : undefined;
    const column = error instanceof TomlError ? error.column : undefined;
    const reason = String((error as Error)?.message ?? error)
      .split("\n")[0]!
      .replace(/^Invalid TOML document:\s*/, "");
    const where = line === undefined ? path : `${path}:${line}:${column}`;
    const problem: Problem = { code: "E_CONFIG_SYNTAX", message: `TOML syntax error: ${reason}`, file: path, keyPath: line === undefined ? "" : syntaxKeyPath(lines, line) };
    if (line !== undefined) {
      problem.line = line;
      problem.sourceLine = lines[line - 1] ?? "";
    }
    if (column !== undefined) problem.column = column;
    throw new VmforgeError("E_CONFIG_SYNTAX", `${where}: TOML syntax error: ${reason}${problem.sourceLine !== undefined ? `\n  ${problem.sourceLine}` : ""}`, {
      exitCode: ExitCode.usage,
      why: "The file is not valid TOML, so nothing in it could be checked yet.",
      fix: `Correct the TOML at ${where} (https://toml.io/en/v1.0.0).`,
      problems: [problem],
      cause: error,
    });
  }
}

/** smol-toml's tables have no prototype; plain objects behave everywhere (string conversion, zod). */
function plainData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainData);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, plainData(entry)]));
  }
  return value;
}

/**
 * Where a syntax error sits, as far as the text before it tells: the last table header and the
 * key on the line (`cpu.cores`), or "" at the top of the file.
 */
function syntaxKeyPath(lines: string[], line: number): string {
  let table = "";
  for (let index = Math.min(line, lines.length) - 1; index >= 0; index--) {
    const header = /^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(lines[index]!);
    if (header) {
      table = header[1]!;
      if (index === line - 1) return table;
      break;
    }
  }
  const key = /^\s*([A-Za-z0-9_-]+)\s*=/.exec(lines[line - 1] ?? "")?.[1];
  return [table, key].filter(Boolean).join(".");
}
