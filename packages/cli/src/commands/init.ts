import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { ExitCode, StorageManager, VmforgeError, writeFileAtomic } from "@vmforge/kernel";
import { parseCommand } from "../options.js";
import { discoverPlugins, stageGraphOf } from "../runtime.js";
import { fsFault, writeFailure } from "../fs-faults.js";
import { visibleLine } from "../render/visible.js";
import { printJson, printJsonLine, type Command } from "./command.js";

export const initCommand: Command = {
  name: "init",
  summary: "first-run set-up: folders and a commented VM template",
  usage: "vmforge init [--force]",
  help: `Creates the config and data folders (XDG; VMFORGE_CONFIG_HOME / VMFORGE_DATA_HOME override
them) and writes a commented VM TOML template to <config>/vm.toml, joined from the templates of
the installed plugins. An existing vm.toml is kept unless --force.`,
  async run(argv, io) {
    const { values, global } = parseCommand(argv, { force: { type: "boolean", default: false } }, this.usage);
    const storage = new StorageManager(io.env);
    const { plugins } = await discoverPlugins(global.project, io);
    const templates: string[] = [];
    // Tables in pipeline order: the hardware's [vm] before a guest plugin's [linux].
    const order = stageGraphOf(plugins, io).stages;
    const firstStage = (name: string) => order.findIndex((stage) => stage.plugin === name);
    const ordered = [...plugins].sort((a, b) => firstStage(a.name) - firstStage(b.name));
    for (const plugin of ordered) {
      const template = await plugin.config?.template?.({ plugins });
      if (template) templates.push(template.trimEnd());
    }
    if (templates.length === 0) {
      throw new VmforgeError("E_NO_TEMPLATE", "No installed plugin provides a VM template.", {
        exitCode: ExitCode.usage,
        fix: "Install the hardware plugin: npm install @vmforge/plugin-qemu-setup",
      });
    }
    const configDir = storage.userConfigPath();
    const dataDir = storage.userDataPath();
    const templatePath = storage.userConfigPath("vm.toml");
    await makeFolder(configDir, "VMFORGE_CONFIG_HOME");
    await makeFolder(storage.userDataPath("vms"), "VMFORGE_DATA_HOME");
    const exists = existsSync(templatePath);
    const written = !exists || values.force === true;
    if (written) {
      try {
        await writeFileAtomic(templatePath, `# vmforge VM description. Edit, then: vmforge plan ${templatePath}\n\n${templates.join("\n\n")}\n`);
      } catch (error) {
        throw writeFailure(error, templatePath, "the VM template");
      }
    }
    const result = { configDir, dataDir, template: templatePath, written };
    if (global.json) printJson(io, result);
    else if (global.jsonLines) printJsonLine(io, { event: "result", ...result });
    else if (!global.quiet) {
      io.stdout.write(`config: ${visibleLine(configDir)}\ndata:   ${visibleLine(dataDir)}\n`);
      io.stdout.write(written ? `wrote ${visibleLine(templatePath)}\n` : `kept ${visibleLine(templatePath)} (it exists; --force replaces it)\n`);
    }
    return 0;
  },
};

/** The config and data folders come from the environment: a file in the way is the user's to fix. */
async function makeFolder(dir: string, variable: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const fault = fsFault(error, dir);
    throw new VmforgeError("E_FOLDER_UNWRITABLE", `Could not create the folder ${dir}: ${fault?.reason ?? (error as Error).message}.`, {
      exitCode: ExitCode.failure,
      fix: `${fault?.fix ?? "Check the path and its permissions."} To use another folder, set ${variable}.`,
      cause: error,
    });
  }
}
