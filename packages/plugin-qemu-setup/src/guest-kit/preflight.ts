import type { PreflightContext, Problem } from "@vmforge/kernel";
import type { UserVmRequest } from "../contract.js";
import { runFolderClashes } from "../preflight.js";
import { readVmRequest } from "../read-vm-request.js";
import { GuestRequest } from "./guest-request.js";

export interface GuestPreflightOptions {
  /** Files the plugin writes in the run folder (`autounattend.iso`): a file the description names may not be one. */
  files?: ReadonlyArray<{ name: string; what: string }>;
  /** The plugin's own checks of the parsed, validated request: a missing ISO is refused here, before any stage. */
  check?: (guest: GuestRequest) => Problem[] | Promise<Problem[]>;
}

const QEMU_SETUP = "@vmforge/plugin-qemu-setup";

/**
 * A guest plugin's preflight check: nothing unless `vm.guest` is its guest. A description that
 * does not load gives no problem here (qemu-setup's own check reports why).
 */
export async function guestPreflightProblems(ctx: PreflightContext, guest: string, options: GuestPreflightOptions): Promise<Problem[]> {
  let request: UserVmRequest;
  try {
    request = await readVmRequest(ctx.input.configPath, ctx.plugins, QEMU_SETUP);
  } catch {
    return [];
  }
  if (request.vm.guest !== guest) return [];
  const problems: Problem[] = [];
  const files = options.files ?? [];
  if (files.length > 0) {
    problems.push(...(await runFolderClashes(ctx, QEMU_SETUP, () => files.map((file) => ({ ...file, keyPath: ["vm", "guest"] })))));
  }
  if (options.check) problems.push(...(await options.check(new GuestRequest(request))));
  return problems;
}
