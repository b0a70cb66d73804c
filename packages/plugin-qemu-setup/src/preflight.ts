import { dirname } from "node:path";
import type { PreflightContext, Problem } from "@vmforge/kernel";
import type { UserVmRequest } from "./contract.js";
import { hostLimitProblems } from "./host-limits.js";
import { checkVmDescription, configInvalid, requestOf, type DescriptionCheck } from "./load-request.js";
import { checkedBefore, readVmDescription, readVmRequest, remember } from "./read-vm-request.js";
import { requestProblemContext } from "./request-context.js";
import { pathClashes, qemuPathClaims, type PathClaim } from "./vm-paths.js";

/**
 * Before any stage: every problem of the VM description (its tables, and the files it makes
 * the VM use, each used once), plus the host's limits when it fails anyway.
 */
export async function preflightVmRequest(ctx: PreflightContext, self: string): Promise<void> {
  if (!ctx.input.configPath) return;
  const { path, text } = await readVmDescription(ctx.input.configPath);
  // A resumed run refuses to go on when the description changed since.
  await ctx.recordInput?.(path, "the VM description");
  const input = { path, text, plugins: ctx.plugins, self };
  const known = checkedBefore(path, text, ctx.plugins);
  const checked: DescriptionCheck = known ? { tables: known, extensions: known.extensions, problems: [], context: requestProblemContext(known) } : await checkVmDescription(input);
  const claims = qemuPathClaims(checked.tables, dirname(path), runDirOf(ctx, checked.tables.vm?.name));
  const problems: Problem[] = [...checked.problems, ...(await pathClashes(checked.context, claims))];
  if (problems.length === 0) {
    if (!known) remember(path, text, ctx.plugins, requestOf(checked, input));
    // Named before the first stage, so run-start hooks know the VM (one run per VM at a time).
    if (checked.tables.vm) ctx.setRunName?.(checked.tables.vm.name);
    return;
  }
  problems.push(...(await hostLimitProblems(ctx.host, checked.context, checked.tables)));
  throw configInvalid(path, problems);
}

/** A file a guest plugin writes in the run folder: `seed.iso`, `cloud-init/user-data`. */
export interface GuestFile {
  name: string;
  what: string;
  /** The key that makes the plugin write it (`vm.guest`). */
  keyPath: PropertyKey[];
}

/**
 * For another plugin's preflight check: problems for each file of the VM description that is
 * one of the files the plugin writes in the run folder. None when the description does not
 * load: qemu-setup's own check reports why.
 */
export async function runFolderClashes(ctx: PreflightContext, self: string, files: (request: UserVmRequest) => GuestFile[]): Promise<Problem[]> {
  let request: UserVmRequest;
  try {
    request = await readVmRequest(ctx.input.configPath, ctx.plugins, self);
  } catch {
    return [];
  }
  const runDir = runDirOf(ctx, request.vm.name)!;
  const guestClaims: PathClaim[] = files(request).map((file) => ({ path: `${runDir}/${file.name}`, keyPath: file.keyPath, what: file.what }));
  const claims = [...qemuPathClaims(request, dirname(request.source.path), runDir), ...guestClaims];
  return pathClashes(requestProblemContext(request), claims, new Set(guestClaims));
}

/** The run folder as the artifact store will name it: `--out DIR`, else `<data>/vms/<vm name>`. */
function runDirOf(ctx: PreflightContext, vmName: string | undefined): string | undefined {
  if (ctx.input.outputDir) return ctx.input.outputDir;
  return vmName === undefined ? undefined : ctx.storage.userDataPath("vms", vmName);
}
