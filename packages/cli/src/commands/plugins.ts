import { resolve } from "node:path";
import { StorageManager, kernelApiOf } from "@vmforge/kernel";
import { installHint } from "../install-hint.js";
import { parseCommand } from "../options.js";
import { discoverPlugins } from "../runtime.js";
import { choosePalette } from "../render/colors.js";
import { visible, visibleLine } from "../render/visible.js";
import { printJson, printJsonLine, type Command } from "./command.js";

export const pluginsCommand: Command = {
  name: "plugins",
  summary: "list the plugins this project has installed",
  usage: "vmforge plugins [--json | --json-lines]",
  help: `Lists the vmforge plugins found in the project's package.json (and beside a global install):
package, version, path and stages. Only manifests are read; no stage code is loaded.
With --json-lines, one {"event":"plugin",...} line per plugin.`,
  async run(argv, io) {
    const { global } = parseCommand(argv, {}, this.usage);
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
