import type { Problem } from "@vmforge/kernel";
import { locatedProblem, tomlKeyPath, type ProblemContext } from "./config-problems.js";
import { didYouMean } from "./did-you-mean.js";
import { knownKeysAt } from "./schema-keys.js";

/**
 * Keys a schema accepted but did not keep: a plain (not strict) zod object parses `locle =
 * "de-DE"` and drops it, so without this a typo is silently ignored. Compares what the user
 * wrote with what the schema returned, in tables and arrays of tables, whatever the schema
 * library; a key the schema passes through (`.loose()`, `.passthrough()`) is kept, so it is not
 * reported. Where the schema turned a table into something else, nothing below is compared.
 */
export function droppedKeyProblems(context: ProblemContext, input: unknown, output: unknown, schema: unknown, prefix: PropertyKey[]): Problem[] {
  const problems: Problem[] = [];
  const visit = (given: unknown, kept: unknown, path: PropertyKey[]): void => {
    if (Array.isArray(given) && Array.isArray(kept)) {
      given.forEach((item, index) => visit(item, kept[index], [...path, index]));
      return;
    }
    if (!isTable(given) || !isTable(kept)) return;
    for (const key of Object.keys(given)) {
      if (Object.hasOwn(kept, key)) visit(given[key], kept[key], [...path, key]);
      else problems.push(droppedKeyProblem(context, [...prefix, ...path], key, candidatesAt(schema, path, kept)));
    }
  };
  visit(input, output, []);
  return problems;
}

function droppedKeyProblem(context: ProblemContext, path: PropertyKey[], key: string, candidates: string[]): Problem {
  const suggestion = didYouMean(key, candidates);
  return locatedProblem(
    context,
    [...path, key],
    {
      code: "E_CONFIG_UNKNOWN_KEY",
      message: `unknown key "${key}"${path.length ? ` in ${tomlKeyPath(path)}` : ""}${suggestion ? `; did you mean "${suggestion}"?` : ""} (the table's schema does not use it)`,
      expected: candidates.length ? `one of: ${candidates.join(", ")}` : "no other keys",
      received: JSON.stringify(key),
      ...(suggestion ? { fix: `Rename "${key}" to "${suggestion}".` } : { fix: `Remove "${key}"; it would be ignored.` }),
    },
    true,
  );
}

/** The keys the schema declares there (a zod object) and those it kept, for the did-you-mean. */
function candidatesAt(schema: unknown, path: PropertyKey[], kept: Record<string, unknown>): string[] {
  const declared = knownKeysAt(schema, path) ?? [];
  return [...new Set([...declared, ...Object.keys(kept)])];
}

function isTable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
