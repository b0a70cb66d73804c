import { resolve } from "node:path";
import { ExitCode, StorageManager, VmforgeError } from "@vmforge/kernel";
import { applyCommand, planCommand } from "./commands/workflow.js";
import { checkCommand } from "./commands/check.js";
import type { Command } from "./commands/command.js";
import { initCommand } from "./commands/init.js";
import { findPluginCommand, runPluginCommand } from "./commands/plugin-commands.js";
import { pluginsCommand } from "./commands/plugins.js";
import { stagesCommand } from "./commands/stages.js";
import { errorDocument, exitCodeOf, formatError } from "./error-output.js";
import { FIRST_PARTY_COMMANDS } from "./first-party-commands.js";
import { installHint } from "./install-hint.js";
import { globalHelp } from "./options.js";
import { choosePalette } from "./render/colors.js";
import { safeJson } from "./render/visible.js";
import type { Io } from "./runtime.js";

const commands: Command[] = [initCommand, pluginsCommand, stagesCommand, checkCommand, planCommand, applyCommand];

function usage(): string {
  return `vmforge: a VM description in, everything QEMU/KVM needs out, checked against the host first.

Usage: vmforge <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(9)} ${command.summary}`).join("\n")}

Plugins add commands: \`vmforge start|status|stop|console NAME\` (@vmforge/plugin-lifecycle),
\`vmforge resume [NAME]\` (@vmforge/plugin-recovery), \`vmforge vfio undo NAME\`
(@vmforge/plugin-vfio-configurator); \`vmforge plugins\` lists what this project has.

${globalHelp}

Exit codes: 0 done, 1 a failure while running, 2 bad usage or config, 3 the host cannot do it.
Run \`vmforge <command> --help\` for a command's options.`;
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes("--json");
  const wantsJsonLines = rest.includes("--json-lines");
  const palette = choosePalette(io.stderr, rest.includes("--no-color"), io.env);
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(`${usage()}\n`);
      return name ? ExitCode.ok : ExitCode.usage;
    }
    if (name === "--version" || name === "-v") {
      const { createRequire } = await import("node:module");
      io.stdout.write(`${(createRequire(import.meta.url)("../package.json") as { version: string }).version}\n`);
      return ExitCode.ok;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) {
      // Not a built-in: maybe a plugin adds it (`vmforge vfio undo NAME`).
      const { match, all } = await findPluginCommand(argv, io);
      if (match) {
        if (match.args.includes("--help") || match.args.includes("-h")) {
          io.stdout.write(`Usage: ${match.command.usage}\n\n${match.command.summary} (from ${match.plugin.name})\n`);
          return ExitCode.ok;
        }
        return await runPluginCommand(match, io);
      }
      const provider = Object.hasOwn(FIRST_PARTY_COMMANDS, name) ? FIRST_PARTY_COMMANDS[name] : undefined;
      if (provider) {
        const place = { projectDir: resolve(io.cwd, projectOf(rest) ?? "."), userConfigDir: new StorageManager(io.env).userConfigPath() };
        throw new VmforgeError("E_COMMAND_UNAVAILABLE", `\`vmforge ${name}\` comes from ${provider}, which this project does not have.`, {
          exitCode: ExitCode.usage,
          why: "vmforge runs the commands of the plugins the project's package.json (or your user's plugin folder) lists.",
          fix: installHint([provider], place),
        });
      }
      const known = [...commands.map((candidate) => candidate.name), ...all.map((candidate) => candidate.name)];
      throw new VmforgeError("E_USAGE", `Unknown command "${name}".`, { exitCode: ExitCode.usage, fix: `Commands: ${known.join(", ")}.` });
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(`Usage: ${command.usage}\n\n${command.help}\n\n${globalHelp}\n`);
      return ExitCode.ok;
    }
    return await command.run(rest, io);
  } catch (error) {
    const debug = Boolean(io.env.VMFORGE_DEBUG);
    if (wantsJson) {
      io.stdout.write(`${safeJson(errorDocument(error), 2)}\n`);
    } else {
      io.stderr.write(`${formatError(error, palette, debug)}\n`);
      // The last line of the stream says how it ended, for a program that reads only stdout.
      if (wantsJsonLines) io.stdout.write(`${safeJson({ event: "error", type: "error", ...errorDocument(error), exitCode: exitCodeOf(error) })}\n`);
    }
    return exitCodeOf(error);
  }
}

function projectOf(argv: string[]): string | undefined {
  const index = argv.indexOf("--project");
  return index >= 0 ? argv[index + 1] : argv.find((word) => word.startsWith("--project="))?.slice("--project=".length);
}
