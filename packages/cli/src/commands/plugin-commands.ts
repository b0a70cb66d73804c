import { hostRootOption } from "../host-root-option.js";
import { parseArgs } from "node:util";
import { ExitCode, Kernel, VmforgeError, type Plugin, type PluginCommand } from "@vmforge/kernel";
import { globalOptionSpec, type GlobalOptions } from "../options.js";
import { discoverPlugins, type Io } from "../runtime.js";
import { runWorkflow } from "./workflow.js";

export interface MatchedCommand {
  plugin: Plugin;
  command: PluginCommand;
  args: string[];
}

/** The plugin command whose words begin argv, the longest match winning (`vfio undo` before `vfio`). */
export function matchPluginCommand(plugins: readonly Plugin[], argv: string[]): MatchedCommand | undefined {
  let best: MatchedCommand | undefined;
  for (const plugin of plugins) {
    for (const command of plugin.commands ?? []) {
      const words = command.name.split(/\s+/);
      if (words.every((word, index) => argv[index] === word) && (!best || words.length > best.command.name.split(/\s+/).length)) {
        best = { plugin, command, args: argv.slice(words.length) };
      }
    }
  }
  return best;
}

export async function findPluginCommand(argv: string[], io: Io): Promise<{ match: MatchedCommand | undefined; all: PluginCommand[] }> {
  const { plugins } = await discoverPlugins(projectOption(argv) ?? io.cwd, io);
  return { match: matchPluginCommand(plugins, argv), all: plugins.flatMap((plugin) => plugin.commands ?? []) };
}

function projectOption(argv: string[]): string | undefined {
  const index = argv.indexOf("--project");
  return index >= 0 ? argv[index + 1] : argv.find((word) => word.startsWith("--project="))?.slice("--project=".length);
}

/**
 * Runs a plugin command with a kernel set up from the global options it was given, and the
 * means to run the pipeline as plan and apply do (with the same global options).
 */
export async function runPluginCommand(match: MatchedCommand, io: Io): Promise<number> {
  const global = globalOptionsOf(match.args, io);
  if (global.host !== undefined) {
    throw new VmforgeError("E_USAGE", `--host is not supported by \`vmforge ${match.command.name}\`: it reads another machine for check and plan.`, {
      exitCode: ExitCode.usage,
      fix: "Run the command on that machine.",
    });
  }
  const kernel = new Kernel({ env: io.env, ...hostRootOption(global.hostRoot, io.cwd) });
  const module = await match.command.load();
  return module.run(match.args, {
    kernel,
    stdout: io.stdout,
    stderr: io.stderr,
    json: global.json,
    cwd: io.cwd,
    runWorkflow: (request) => runWorkflow(io, global, request),
  });
}

/** The global options among a plugin command's own; the command checks the rest. */
function globalOptionsOf(args: string[], io: Io): GlobalOptions {
  const { values } = parseArgs({ args, options: globalOptionSpec, strict: false, allowPositionals: true });
  const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
  return {
    json: values.json === true,
    jsonLines: values["json-lines"] === true,
    quiet: values.quiet === true,
    noColor: values["no-color"] === true,
    help: values.help === true,
    hostRoot: text(values["host-root"]),
    host: text(values.host),
    project: text(values.project) ?? io.cwd,
  };
}
