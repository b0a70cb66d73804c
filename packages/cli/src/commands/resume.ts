import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { parseCommand } from "../options.js";
import type { Command } from "./command.js";

export const resumeCommand: Command = {
  name: "resume",
  summary: "continue a run from its last checkpoint",
  usage: "vmforge resume [NAME]",
  help: `Continues the named run (or the last one) after the last stage that completed. Checkpoints
are written by @vmforge/plugin-recovery; without it there is nothing to resume from.`,
  async run(argv) {
    parseCommand(argv, {}, this.usage);
    throw new VmforgeError("E_RESUME_UNAVAILABLE", "No checkpoints to resume from: the recovery plugin is not installed.", {
      exitCode: ExitCode.usage,
      fix: "Install @vmforge/plugin-recovery in your project, then run plan or apply again; later runs can be resumed.",
    });
  },
};
