import { parseCommand } from "../options.js";
import { discoverPlugins } from "../runtime.js";
import { choosePalette } from "../render/colors.js";
import { printJson, type Command } from "./command.js";

export const pluginsCommand: Command = {
  name: "plugins",
  summary: "list the plugins this project has installed",
  usage: "vmforge plugins [--json]",
  help: `Lists the vmforge plugins found in the project's package.json (and beside a global install):
package, version, path and stages. Only manifests are read; no stage code is loaded.`,
  async run(argv, io) {
    const { global } = parseCommand(argv, {}, this.usage);
    const { found, plugins } = await discoverPlugins(global.project, io);
    const rows = found.map((entry, index) => ({
      package: entry.packageName,
      version: entry.version,
      path: entry.path,
      source: entry.source.origin,
      description: plugins[index]!.description,
      configTables: plugins[index]!.config?.tables ?? [],
      stages: plugins[index]!.stages.map((stage) => stage.id),
    }));
    if (global.json) {
      printJson(io, { plugins: rows });
      return 0;
    }
    const palette = choosePalette(io.stdout, global.noColor, io.env);
    if (rows.length === 0) {
      io.stdout.write(`No vmforge plugins found. Install some in your project, e.g.\n  npm install @vmforge/plugin-env-check @vmforge/plugin-qemu-setup\n`);
      return 0;
    }
    for (const row of rows) {
      io.stdout.write(`${palette.bold(row.package)} ${row.version}  ${palette.dim(row.path)}\n`);
      if (row.description) io.stdout.write(`  ${row.description}\n`);
      for (const stage of row.stages) io.stdout.write(`  - ${stage}\n`);
    }
    return 0;
  },
};
