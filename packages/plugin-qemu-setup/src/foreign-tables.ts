import type { PluginManifest, Problem, SchemaLike } from "@vmforge/kernel";
import { locatedProblem, type ConfigIssue, type ProblemContext } from "./config-problems.js";
import { droppedKeyProblems } from "./dropped-keys.js";
import { issueProblems } from "./issue-problems.js";

/**
 * Validates tables another installed plugin owns with that plugin's schema. A plugin with one
 * table validates the table's value; with several, an object of the tables present.
 */
export async function validateForeignTables(context: ProblemContext, owner: PluginManifest, names: string[], raw: Record<string, unknown>, extensions: Record<string, unknown>): Promise<Problem[]> {
  let schema: SchemaLike<unknown>;
  try {
    schema = await owner.config!.schema();
  } catch (error) {
    return [
      locatedProblem(context, [names[0]!], {
        code: "E_CONFIG_SCHEMA_UNAVAILABLE",
        message: `${owner.name} could not load the schema of [${names.join("], [")}]: ${(error as Error)?.message ?? String(error)}`,
        fix: `Reinstall ${owner.name}; this is a problem in that plugin, not in your file.`,
      }),
    ];
  }
  // A plugin with one table validates the table's value; with several, an object of its tables.
  const single = owner.config!.tables.length === 1;
  const value = single ? raw[names[0]!] : Object.fromEntries(names.map((name) => [name, raw[name]]));
  let result: ReturnType<SchemaLike<unknown>["safeParse"]>;
  try {
    result = schema.safeParse(value);
  } catch (error) {
    return [locatedProblem(context, [names[0]!], { code: "E_CONFIG_SCHEMA_UNAVAILABLE", message: `${owner.name}'s schema failed on [${names[0]}]: ${(error as Error)?.message ?? String(error)}` })];
  }
  if (!result.success) return issueProblems(context, result.error.issues as ReadonlyArray<ConfigIssue>, single ? [names[0]!] : [], schema);
  const dropped = droppedKeyProblems(context, value, result.data, schema, single ? [names[0]!] : []);
  if (dropped.length > 0) return dropped;
  if (single) extensions[names[0]!] = result.data;
  else Object.assign(extensions, result.data as Record<string, unknown>);
  return [];
}
