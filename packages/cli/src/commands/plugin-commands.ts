import { resolve } from "node:path";
import { Kernel, type Plugin, type PluginCommand } from "@vmforge/kernel";
import { discoverPlugins, type Io } from "../runtime.js";

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

/** Runs a plugin command with a kernel set up from the global options it was given. */
export async function runPluginCommand(match: MatchedCommand, io: Io): Promise<number> {
  const hostRootIndex = match.args.indexOf("--host-root");
  const hostRoot = hostRootIndex >= 0 ? match.args[hostRootIndex + 1] : undefined;
  const kernel = new Kernel({ env: io.env, ...(hostRoot ? { hostRoot: resolve(io.cwd, hostRoot) } : {}) });
  const module = await match.command.load();
  return module.run(match.args, { kernel, stdout: io.stdout, stderr: io.stderr, json: match.args.includes("--json"), cwd: io.cwd });
}
