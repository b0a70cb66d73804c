import { dirname, resolve } from "node:path";
import { ExitCode, VmforgeError, type PluginManifest, type Problem } from "@vmforge/kernel";
import { userVmRequestSchema, type UserVmRequest } from "./contract.js";
import { QEMU_TABLES, qemuTableSchemas, type QemuTables } from "./config-schema.js";
import type { ConfigIssue, ProblemContext } from "./config-problems.js";
import { crossTableProblems } from "./cross-table-rules.js";
import { validateForeignTables } from "./foreign-tables.js";
import { issueProblems } from "./issue-problems.js";
import { parseTomlOrThrow } from "./toml-parse.js";
import { TomlLocator } from "./toml-locator.js";
import { strayKeyProblem } from "./stray-key-problem.js";

export interface LoadRequestInput {
  /** The file, as shown in messages and stored in the request. */
  path: string;
  text: string;
  /** Installed plugins; those with `config` own the tables they list. */
  plugins: readonly PluginManifest[];
  /** This plugin's package name: its tables are validated here, not through the manifest. */
  self?: string;
}

/** The tables that passed their schemas, and every problem of the file. */
export interface DescriptionCheck {
  tables: Partial<QemuTables>;
  extensions: Record<string, unknown>;
  problems: Problem[];
  context: ProblemContext;
}

/**
 * TOML text -> the validated request. Every problem of the file in one VmforgeError
 * (E_CONFIG_SYNTAX for a file that does not parse, E_CONFIG_INVALID otherwise), exit code 2.
 */
export async function loadVmRequest(input: LoadRequestInput): Promise<UserVmRequest> {
  const checked = await checkVmDescription(input);
  if (checked.problems.length > 0) throw configInvalid(input.path, checked.problems);
  return requestOf(checked, input);
}

/** Every problem of the file, without stopping at the first table; throws only for a syntax error. */
export async function checkVmDescription(input: LoadRequestInput): Promise<DescriptionCheck> {
  const raw = parseTomlOrThrow(input.path, input.text);
  const context: ProblemContext = { file: input.path, locator: new TomlLocator(input.text), raw };
  const problems: Problem[] = [];

  const owners = tableOwners(input.plugins, input.self);
  const foreignTables = new Map<PluginManifest, string[]>();
  for (const table of Object.keys(raw)) {
    if ((QEMU_TABLES as string[]).includes(table)) continue;
    const owner = owners.get(table);
    if (owner) foreignTables.set(owner, [...(foreignTables.get(owner) ?? []), table]);
    // A table nobody owns is the run's rule, checked before any plugin; a plain value here is a stray key.
    else if (raw[table] === null || typeof raw[table] !== "object" || raw[table] instanceof Date) problems.push(strayKeyProblem(context, table, [...QEMU_TABLES, ...owners.keys()]));
  }

  const tables: Partial<QemuTables> = {};
  for (const table of QEMU_TABLES) {
    const result = qemuTableSchemas[table].safeParse(raw[table]);
    if (result.success) (tables as Record<string, unknown>)[table] = result.data;
    else problems.push(...issueProblems(context, result.error.issues as ReadonlyArray<ConfigIssue>, [table], qemuTableSchemas[table]));
  }
  problems.push(...crossTableProblems(context, tables, dirname(resolve(input.path))));

  const extensions: Record<string, unknown> = {};
  for (const [owner, names] of foreignTables) {
    problems.push(...(await validateForeignTables(context, owner, names, raw, extensions)));
  }

  return { tables, extensions, problems, context };
}

/** The request of a description without problems. */
export function requestOf(checked: DescriptionCheck, input: LoadRequestInput): UserVmRequest {
  const request = userVmRequestSchema.safeParse({ ...checked.tables, source: { path: input.path, text: input.text }, extensions: checked.extensions });
  if (!request.success) {
    // The table schemas and the contract disagree: a bug here, not in the user's file.
    throw new VmforgeError("E_CONFIG_INTERNAL", `The validated request does not match its contract: ${request.error.issues.map((issue) => issue.message).join("; ")}`);
  }
  return request.data;
}

export function configInvalid(path: string, problems: Problem[]): VmforgeError {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  return new VmforgeError("E_CONFIG_INVALID", `${path}: ${count} in the VM description.`, {
    exitCode: ExitCode.usage,
    why: "The VM description does not match what the installed plugins accept.",
    fix: "Fix each problem listed (file:line, key, what is allowed), then run the command again.",
    problems,
  });
}

function tableOwners(plugins: readonly PluginManifest[], self: string | undefined): Map<string, PluginManifest> {
  const owners = new Map<string, PluginManifest>();
  for (const plugin of plugins) {
    if (plugin.name === self || !plugin.config) continue;
    for (const table of plugin.config.tables) if (!(QEMU_TABLES as string[]).includes(table) && !owners.has(table)) owners.set(table, plugin);
  }
  return owners;
}

