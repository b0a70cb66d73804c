import { parseArgs, type ParseArgsConfig } from "node:util";
import { VmforgeError, ExitCode } from "@vmforge/kernel";

export interface GlobalOptions {
  json: boolean;
  jsonLines: boolean;
  quiet: boolean;
  noColor: boolean;
  help: boolean;
  hostRoot: string | undefined;
  /** `--host ssh://[user@]host[:port]`: read that machine over SSH (check, plan). */
  host: string | undefined;
  project: string;
}

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export const globalOptionSpec = {
  json: { type: "boolean", default: false },
  "json-lines": { type: "boolean", default: false },
  quiet: { type: "boolean", short: "q", default: false },
  "no-color": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  "host-root": { type: "string" },
  host: { type: "string" },
  project: { type: "string" },
} satisfies OptionSpec;

export const globalHelp = `Global options:
  --json             print one JSON document and nothing else
  --json-lines       stream every message and stage as JSON lines
  -q, --quiet        only warnings, errors and results
  --no-color         no colours (also NO_COLOR=1)
  --host-root DIR    read the host from a snapshot folder instead of /
  --host ssh://[USER@]HOST[:PORT]
                     read that machine over one SSH session instead (check, plan);
                     your ssh client, keys and known_hosts (VMFORGE_SSH_CONFIG: ssh -F FILE)
  --project DIR      the project whose package.json lists the plugins (default: .)
  -h, --help         help for the command`;

export interface ParsedCommand<V> {
  values: V;
  positionals: string[];
  global: GlobalOptions;
}

/** Parses a command's arguments; an unknown option is exit code 2 with the usage. */
export function parseCommand<S extends OptionSpec>(argv: string[], spec: S, usage: string): ParsedCommand<Record<string, string | boolean | string[] | undefined>> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...globalOptionSpec, ...spec }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new VmforgeError("E_USAGE", (error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""), { exitCode: ExitCode.usage, fix: `Usage: ${usage}` });
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  return {
    values,
    positionals: parsed.positionals,
    global: {
      json: values.json === true,
      jsonLines: values["json-lines"] === true,
      quiet: values.quiet === true,
      noColor: values["no-color"] === true,
      help: values.help === true,
      hostRoot: values["host-root"] as string | undefined,
      // `check` takes --host more than once (its own option); every other command the last one.
      host: Array.isArray(values.host) ? (values.host.at(-1) as string | undefined) : (values.host as string | undefined),
      project: (values.project as string | undefined) ?? process.cwd(),
    },
  };
}
