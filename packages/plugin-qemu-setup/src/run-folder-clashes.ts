import type { PreflightContext, Problem } from "@vmforge/kernel";
import type { UserVmRequest } from "./contract.js";
import { plugin } from "./plugin.js";
import { runFolderClashes as clashes, type GuestFile } from "./preflight.js";

export type { GuestFile } from "./preflight.js";

/**
 * For a guest plugin's preflight check: a located E_CONFIG_DUPLICATE for each file the VM
 * description names (a [[disk]] path, a base image, a firmware file) that is one of the files
 * the plugin writes in the run folder. Empty when the description does not load.
 */
export function runFolderClashes(ctx: PreflightContext, files: (request: UserVmRequest) => GuestFile[]): Promise<Problem[]> {
  return clashes(ctx, plugin.name, files);
}
