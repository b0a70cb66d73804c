import { dirname, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { ExitCode, VmforgeError, type PluginManifest, type Problem, type SchemaLike } from "@vmforge/kernel";
import { userVmRequestSchema, type UserVmRequest } from "./contract.js";
import { ALLOWED, MAX_SATA_DISKS, QEMU_TABLES, qemuTableSchemas, type QemuTables } from "./config-schema.js";
import { expectedFromIssue, locatedProblem, patternOf, valueAt, type ConfigIssue, type ProblemContext } from "./config-problems.js";
import { didYouMean } from "./did-you-mean.js";
import { KNOWN_TABLE_OWNERS } from "./known-tables.js";
import { normalizeForward } from "./port-forward.js";
import { knownKeysAt } from "./schema-keys.js";
import { TomlLocator } from "./toml-locator.js";

export interface LoadRequestInput {
  /** The file, as shown in messages and stored in the request. */
  path: string;
  text: string;
  /** Installed plugins; those with `config` own the tables they list. */
  plugins: readonly PluginManifest[];
  /** This plugin's package name: its tables are validated here, not through the manifest. */
  self?: string;
}

/**
 * TOML text -> the validated request. Every problem of the file in one VmforgeError
 * (E_CONFIG_SYNTAX for a file that does not parse, E_CONFIG_INVALID otherwise), exit code 2.
 */
export async function loadVmRequest(input: LoadRequestInput): Promise<UserVmRequest> {
  const raw = parseOrThrow(input.path, input.text);
  const context: ProblemContext = { file: input.path, locator: new TomlLocator(input.text), raw };
  const problems: Problem[] = [];

  const owners = tableOwners(input.plugins, input.self);
  const foreignTables = new Map<PluginManifest, string[]>();
  for (const table of Object.keys(raw)) {
    if ((QEMU_TABLES as string[]).includes(table)) continue;
    const owner = owners.get(table);
    if (owner) foreignTables.set(owner, [...(foreignTables.get(owner) ?? []), table]);
    else problems.push(unknownTableProblem(context, table, raw[table], [...QEMU_TABLES, ...owners.keys()]));
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

  if (problems.length > 0) throw configInvalid(input.path, problems);
  const request = userVmRequestSchema.safeParse({ ...tables, source: { path: input.path, text: input.text }, extensions });
  if (!request.success) {
    // The table schemas and the contract disagree: a bug here, not in the user's file.
    throw new VmforgeError("E_CONFIG_INTERNAL", `The validated request does not match its contract: ${request.error.issues.map((issue) => issue.message).join("; ")}`);
  }
  return request.data;
}

function parseOrThrow(path: string, text: string): Record<string, unknown> {
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

function configInvalid(path: string, problems: Problem[]): VmforgeError {
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

function unknownTableProblem(context: ProblemContext, table: string, value: unknown, candidates: string[]): Problem {
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

/** zod issues -> located problems; an unknown key becomes one problem per key with a did-you-mean. */
function issueProblems(context: ProblemContext, issues: ReadonlyArray<ConfigIssue>, prefix: PropertyKey[], schema: unknown): Problem[] {
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
              message: `unknown key "${key}"${path.length ? ` in ${tableLabel(path)}` : ""}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
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
        message: missing ? (path.length === 1 ? `the [${String(path[0])}] table is missing` : `${tableLabel(path)} is required`) : issue.message,
        ...(expected ? { expected } : {}),
        ...(missing && path.length === 1 && path[0] === "vm" ? { fix: 'Add a [vm] table with name = "my-vm".' } : {}),
      }),
    );
  }
  return problems;
}

function tableLabel(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join("");
}

async function validateForeignTables(context: ProblemContext, owner: PluginManifest, names: string[], raw: Record<string, unknown>, extensions: Record<string, unknown>): Promise<Problem[]> {
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
  if (single) extensions[names[0]!] = result.data;
  else Object.assign(extensions, result.data as Record<string, unknown>);
  return [];
}

/** Rules that look across several entries: duplicates and port counts. */
function crossTableProblems(context: ProblemContext, tables: Partial<QemuTables>, baseDir: string): Problem[] {
  const problems: Problem[] = [];
  const duplicate = (path: PropertyKey[], what: string, first: string): Problem =>
    locatedProblem(context, path, { code: "E_CONFIG_DUPLICATE", message: `${what} is already used by ${first}`, expected: "a value no other entry uses" }, true);

  const seen = new Map<string, string>();
  const once = (key: string, owner: string, path: PropertyKey[], what: string): void => {
    const first = seen.get(key);
    if (first) problems.push(duplicate(path, what, first));
    else seen.set(key, owner);
  };
  tables.disk?.forEach((disk, index) => {
    // A base image may be shared; the disk's own file may not.
    if (disk.path !== undefined) once(`file:${resolve(baseDir, disk.path)}`, `disk[${index}]`, ["disk", index, "path"], `the file ${disk.path}`);
    if (disk.serial !== undefined) once(`serial:${disk.serial}`, `disk[${index}]`, ["disk", index, "serial"], `serial "${disk.serial}"`);
    if (disk.boot_order !== undefined) once(`boot:${disk.boot_order}`, `disk[${index}]`, ["disk", index, "boot_order"], `boot_order ${disk.boot_order}`);
  });
  const sata = (tables.disk ?? []).map((disk, index) => ({ disk, index })).filter(({ disk }) => disk.bus === "sata");
  for (const { index } of sata.slice(MAX_SATA_DISKS)) {
    problems.push(
      locatedProblem(context, ["disk", index, "bus"], {
        code: "E_CONFIG_INVALID",
        message: `q35 has ${MAX_SATA_DISKS} SATA ports; this is SATA disk number ${sata.findIndex((entry) => entry.index === index) + 1}`,
        expected: '"virtio", "nvme" or "scsi" for the extra disks',
      }),
    );
  }
  tables.network?.forEach((nic, index) => {
    if (nic.mac !== undefined) once(`mac:${nic.mac}`, `network[${index}]`, ["network", index, "mac"], `MAC ${nic.mac}`);
    if (nic.tap !== undefined) once(`tap:${nic.tap}`, `network[${index}]`, ["network", index, "tap"], `tap ${nic.tap}`);
    nic.forward.forEach((rule, ruleIndex) => {
      const [protocol, hostPort] = normalizeForward(rule);
      once(`forward:${protocol}:${hostPort}`, `network[${index}].forward[${ruleIndex}]`, ["network", index, "forward", ruleIndex], `host port ${protocol}:${hostPort}`);
    });
  });
  tables.passthrough?.forEach((device, index) => {
    if (device.address !== undefined) once(`pci:${device.address}`, `passthrough[${index}]`, ["passthrough", index, "address"], `PCI device ${device.address}`);
    if (device.ids !== undefined) once(`ids:${device.ids}`, `passthrough[${index}]`, ["passthrough", index, "ids"], `ids ${device.ids}`);
  });
  tables.usb?.devices.forEach((device, index) => {
    once(`usb:${device.vendor}:${device.product}`, `usb.devices[${index}]`, ["usb", "devices", index], `USB device ${device.vendor}:${device.product}`);
  });
  return problems;
}
