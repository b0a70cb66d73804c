import { ExitCode, VmforgeError, didYouMean, type PluginManifest, type PreflightContext, type Problem, type RunCheck } from "@vmforge/kernel";
import { FIRST_PARTY_TABLES, REQUEST_READER } from "./first-party-tables.js";
import { installHint, type InstallPlace } from "./install-hint.js";
import { readRequestOutline, type TopLevelEntry } from "./request-outline.js";

/**
 * The rule of a whole run: every top-level table of the VM description has an installed plugin
 * that owns it (`config.tables` in its manifest), and some installed plugin reads the file at
 * all. Otherwise a table would be ignored and the run would report a VM it never made. Plugins
 * check only the content of their tables; the owners are checked here, once, for every plugin.
 */
export function requestOwnersCheck(place: InstallPlace): RunCheck {
  return { name: "vmforge", check: (ctx) => checkRequestOwners(ctx, place) };
}

/** Which installed plugin owns each table: the first that lists it. */
export function tableOwners(plugins: readonly PluginManifest[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const plugin of plugins) for (const table of plugin.config?.tables ?? []) if (!owners.has(table)) owners.set(table, plugin.name);
  return owners;
}

async function checkRequestOwners(ctx: PreflightContext, place: InstallPlace): Promise<void> {
  const file = ctx.input.configPath;
  if (!file) return;
  const owners = tableOwners(ctx.plugins);
  const outline = await readRequestOutline(file);
  // Unreadable or not TOML: the plugin that reads it says why, located. With none, say that.
  if (!outline && owners.size > 0) return;
  const unowned = (outline ?? []).filter((entry) => entry.isTable && !owners.has(entry.name));
  if (owners.size > 0 && unowned.length === 0) return;

  const problems = unowned.map((entry) => unownedTableProblem(file, entry, owners));
  const missing = [...new Set(unowned.flatMap((entry) => (Object.hasOwn(FIRST_PARTY_TABLES, entry.name) ? [FIRST_PARTY_TABLES[entry.name]!] : [])))];
  if (owners.size === 0) {
    const packages = missing.length > 0 ? missing : [REQUEST_READER];
    throw new VmforgeError("E_NO_CONFIG_READER", `No installed plugin reads ${file}: nothing would be done with it.`, {
      exitCode: ExitCode.usage,
      why: "vmforge uses the plugins the project's package.json (or your user's plugin folder) lists, and none of them owns a table of a VM description.",
      fix: installHint(packages, place),
      problems,
    });
  }
  const count = unowned.length === 1 ? `[${unowned[0]!.name}]` : `${unowned.length} of its tables`;
  throw new VmforgeError("E_CONFIG_TABLE_UNOWNED", `${file}: no installed plugin reads ${count}.`, {
    exitCode: ExitCode.usage,
    why: "Every top-level table needs an installed plugin that owns it; a table nobody reads would be silently ignored.",
    fix: missing.length > 0 ? installHint(missing, place) : "Rename or remove each table listed; `vmforge plugins --json` lists the installed plugins and their tables.",
    problems,
  });
}

function unownedTableProblem(file: string, entry: TopLevelEntry, owners: Map<string, string>): Problem {
  const located: Omit<Problem, "code" | "message"> = { file, keyPath: entry.name, received: `[${entry.name}]` };
  if (entry.line !== undefined) located.line = entry.line;
  if (entry.column !== undefined) located.column = entry.column;
  if (entry.sourceLine !== undefined) located.sourceLine = entry.sourceLine;
  const installed = [...owners.keys()];
  const expected = installed.length > 0 ? `one of the tables of the installed plugins: ${installed.join(", ")}` : "a table of an installed plugin (none is installed)";
  const knownOwner = Object.hasOwn(FIRST_PARTY_TABLES, entry.name) ? FIRST_PARTY_TABLES[entry.name] : undefined;
  if (knownOwner) {
    return { ...located, code: "E_CONFIG_PLUGIN_MISSING", message: `[${entry.name}] belongs to ${knownOwner}, which is not installed`, expected, fix: `Install ${knownOwner}, or remove the [${entry.name}] table.` };
  }
  const suggestion = didYouMean(entry.name, [...new Set([...installed, ...Object.keys(FIRST_PARTY_TABLES)])]);
  const from = suggestion && !owners.has(suggestion) ? ` (from ${FIRST_PARTY_TABLES[suggestion]}, not installed)` : "";
  return {
    ...located,
    code: "E_CONFIG_UNKNOWN_TABLE",
    message: `unknown table [${entry.name}]${suggestion ? `; did you mean [${suggestion}]${from}?` : ""}`,
    expected,
    fix: suggestion ? `Rename [${entry.name}] to [${suggestion}].` : "Remove it, or install the plugin that owns it.",
  };
}
