import type { Problem } from "@vmforge/kernel";
import { ALLOWED } from "./config-schema.js";
import { expectedFromIssue, locatedProblem, patternOf, tomlKeyPath, valueAt, type ConfigIssue, type ProblemContext } from "./config-problems.js";
import { didYouMean } from "./did-you-mean.js";
import { knownKeysAt } from "./schema-keys.js";

/** zod issues -> located problems; an unknown key becomes one problem per key with a did-you-mean. */
export function issueProblems(context: ProblemContext, issues: ReadonlyArray<ConfigIssue>, prefix: PropertyKey[], schema: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys" && Array.isArray(issue.keys)) {
      const candidates = knownKeysAt(schema, issue.path) ?? [];
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, candidates);
        problems.push(
          locatedProblem(
            context,
            [...path, key],
            {
              code: "E_CONFIG_UNKNOWN_KEY",
              message: `unknown key "${key}"${path.length ? ` in ${tomlKeyPath(path)}` : ""}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
              expected: candidates.length ? `one of: ${candidates.join(", ")}` : "no other keys",
              received: JSON.stringify(key),
              ...(suggestion ? { fix: `Rename "${key}" to "${suggestion}".` } : {}),
            },
            true,
          ),
        );
      }
      continue;
    }
    const missing = issue.code === "invalid_type" && !valueAt(context.raw, path).found;
    const pattern = patternOf(path);
    const expected = ALLOWED[pattern] ?? expectedFromIssue(issue);
    problems.push(
      locatedProblem(context, path, {
        code: missing ? "E_CONFIG_MISSING" : "E_CONFIG_INVALID",
        message: missing ? (path.length === 1 ? `the [${String(path[0])}] table is missing` : `${tomlKeyPath(path)} is required`) : issue.message,
        ...(expected ? { expected } : {}),
        ...(missing && path.length === 1 && path[0] === "vm" ? { fix: 'Add a [vm] table with name = "my-vm".' } : {}),
      }),
    );
  }
  return problems;
}
