import type { Problem } from "@vmforge/kernel";
import { ALLOWED } from "./config-schema.js";
import { locatedProblem, type ProblemContext } from "./config-problems.js";
import { didYouMean } from "./did-you-mean.js";
import { KNOWN_TABLE_OWNERS } from "./known-tables.js";

/** A top-level table (or stray key) that no installed plugin owns. */
export function unknownTableProblem(context: ProblemContext, table: string, value: unknown, candidates: string[]): Problem {
  const isTable = value !== null && typeof value === "object" && !(value instanceof Date);
  const knownOwner = Object.hasOwn(KNOWN_TABLE_OWNERS, table) ? KNOWN_TABLE_OWNERS[table] : undefined;
  if (knownOwner && isTable) {
    return locatedProblem(context, [table], {
      code: "E_CONFIG_PLUGIN_MISSING",
      message: `[${table}] belongs to ${knownOwner}, which is not installed`,
      expected: `one of the tables of the installed plugins: ${candidates.join(", ")}`,
      received: `[${table}]`,
      fix: `Install it (\`npm install ${knownOwner}\` in your project), or remove the [${table}] table.`,
    });
  }
  if (!isTable) {
    const home = Object.entries(ALLOWED).find(([pattern]) => !pattern.includes("[") && pattern.split(".").length === 2 && pattern.endsWith(`.${table}`));
    const where = home ? ` Did you mean to put it under [${home[0].split(".")[0]}]?` : "";
    return locatedProblem(context, [table], {
      code: "E_CONFIG_UNKNOWN_KEY",
      message: `"${table}" is a key outside any table.${where}`,
      expected: `a table: ${candidates.join(", ")}`,
      ...(home ? { fix: `Move it below the [${home[0].split(".")[0]}] header.` } : {}),
    });
  }
  const suggestion = didYouMean(table, candidates);
  return locatedProblem(context, [table], {
    code: "E_CONFIG_UNKNOWN_TABLE",
    message: `unknown table [${table}]${suggestion ? `; did you mean [${suggestion}]?` : ""}`,
    expected: `one of: ${candidates.join(", ")}`,
    received: `[${table}]`,
    fix: suggestion ? `Rename [${table}] to [${suggestion}].` : "Remove it, or install the plugin that owns it.",
  });
}
