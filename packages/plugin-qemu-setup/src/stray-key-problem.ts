import type { Problem } from "@vmforge/kernel";
import { ALLOWED } from "./config-schema.js";
import { locatedProblem, type ProblemContext } from "./config-problems.js";

/**
 * A top-level key that is no table (`name = "a"` above `[vm]`). A top-level table that no
 * installed plugin owns is not reported here: that rule belongs to the whole run (the CLI checks
 * it before any plugin, and names the package to install).
 */
export function strayKeyProblem(context: ProblemContext, key: string, tables: string[]): Problem {
  const home = Object.entries(ALLOWED).find(([pattern]) => !pattern.includes("[") && pattern.split(".").length === 2 && pattern.endsWith(`.${key}`));
  const where = home ? ` Did you mean to put it under [${home[0].split(".")[0]}]?` : "";
  return locatedProblem(context, [key], {
    code: "E_CONFIG_UNKNOWN_KEY",
    message: `"${key}" is a key outside any table.${where}`,
    expected: `a table: ${tables.join(", ")}`,
    ...(home ? { fix: `Move it below the [${home[0].split(".")[0]}] header.` } : {}),
  });
}
