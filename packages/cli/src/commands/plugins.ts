import { resolve } from "node:path";
import { ExitCode, StorageManager, VmforgeError, kernelApiOf } from "@vmforge/kernel";
import { installHint } from "../install-hint.js";
import { parseCommand } from "../options.js";
import { discoverPlugins } from "../runtime.js";
import { choosePalette } from "../render/colors.js";
import { visible, visibleLine } from "../render/visible.js";
import { printJson, printJsonLine, type Command } from "./command.js";
import { addUsage, removeUsage } from "./plugins-manage-usage.js";

export const pluginsCommand: Command = {
  name: "plugins",
  summary: "list the plugins found; add or remove plugins for your user",
  usage: `vmforge plugins [--json | --json-lines]
       ${addUsage}
       ${removeUsage}`,
  help: `Lists the vmforge plugins found: package, version, path, source and stages. Only manifests
are read; no stage code is loaded. With --json-lines, one {"event":"plugin",...} line per plugin.
Plugins are found in the project's package.json (nearest at or above the folder, or --project),
then in your user's plugin folder ($VMFORGE_CONFIG_HOME/package.json), then in the vmforge
bundle (the \`vmforge\` package, when it is the running command or a dependency of either).

add NAME...      install plugins for your user (for a global install of vmforge, or outside any
                 project) into $VMFORGE_CONFIG_HOME with npm, then check each one loads (one that
                 does not is uninstalled again). NAME is a plugin package name with an optional
                 @version, or the path of a plugin's folder or .tgz. The kernel this CLI runs is
                 installed beside them unless the folder has one or --kernel SPEC gives one.
remove NAME...   npm uninstall from that folder.
--dry-run        print the npm command, change nothing.`,
  async run(argv, io) {
    // Loaded only here: installing needs npm and child_process, which listing does not.
    if (argv[0] === "add") return (await import("./plugins-manage.js")).addPlugins(argv.slice(1), io);
    if (argv[0] === "remove") return (await import("./plugins-manage.js")).removePlugins(argv.slice(1), io);
    const { global, positionals } = parseCommand(argv, {}, this.usage);
    if (positionals.length > 0) {
      throw new VmforgeError("E_USAGE", `Unknown plugins command "${positionals[0]}".`, { exitCode: ExitCode.usage, fix: `Usage: ${this.usage}` });
    }
    const { found, plugins } = await discoverPlugins(global.project, io);
    const rows = found.map((entry, index) => ({
      package: entry.packageName,
      version: entry.version,
      kernelApi: kernelApiOf(plugins[index]!),
      path: entry.path,
      source: entry.source.origin,
      description: plugins[index]!.description,
      configTables: plugins[index]!.config?.tables ?? [],
      stages: plugins[index]!.stages.map((stage) => stage.id),
      commands: (plugins[index]!.commands ?? []).map((command) => ({ name: command.name, usage: command.usage, summary: command.summary })),
      flags: (plugins[index]!.flags ?? []).map((flag) => ({ name: `--${flag.name}`, description: flag.description })),
    }));
    if (global.json) {
      printJson(io, { plugins: rows });
      return 0;
    }
    if (global.jsonLines) {
      for (const row of rows) printJsonLine(io, { event: "plugin", ...row });
      return 0;
    }
    const palette = choosePalette(io.stdout, global.noColor, io.env);
    if (rows.length === 0) {
      const place = { projectDir: resolve(io.cwd, global.project), userConfigDir: new StorageManager(io.env).userConfigPath() };
      io.stdout.write(`No vmforge plugins found. ${visible(installHint(["@vmforge/plugin-env-check", "@vmforge/plugin-qemu-setup"], place))}\n`);
      return 0;
    }
    for (const row of rows) {
      io.stdout.write(`${palette.bold(visibleLine(row.package))} ${visibleLine(row.version)}  ${palette.dim(visibleLine(row.path))}\n`);
      if (row.description) io.stdout.write(`  ${visible(row.description)}\n`);
      for (const stage of row.stages) io.stdout.write(`  - ${visibleLine(stage)}\n`);
      for (const command of row.commands) io.stdout.write(`  command: ${visibleLine(command.usage)}\n`);
      for (const flag of row.flags) io.stdout.write(`  flag for plan and apply: ${visibleLine(flag.name)}  ${visible(flag.description)}\n`);
    }
    return 0;
  },
};
