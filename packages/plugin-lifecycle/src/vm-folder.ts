import { access, realpath } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ExitCode, FileReadError, VmforgeError, formatIssues, readBoundedText, type CommandContext } from "@vmforge/kernel";
import { vmDefinitionSchema, type VmDefinition } from "@vmforge/plugin-qemu-setup/contract";
import { LifecycleCode } from "./error-codes.js";

const DEFINITION_LIMIT = 4 * 1024 * 1024;

/** The folder `vmforge apply` wrote for a VM, and its definition. */
export interface VmFolder {
  name: string;
  /** As the definition records it (absolute): launch.sh `cd`s there. */
  runDir: string;
  definition: VmDefinition;
  /** Named with --dir, not found by name in the data home. */
  givenDir: boolean;
  /**
   * `apply --host ssh://...` set the VM up on that machine: this folder is the copy of its
   * artifacts kept here, and the disks, firmware variables and logs are there.
   */
  appliedOn?: string;
  file(name: string): string;
}

/** The VM's folder: `--dir` (an apply/plan --out folder) or `<data home>/vms/NAME`; its vm-definition.json read and checked. */
export async function openVmFolder(ctx: CommandContext, name: string | undefined, dir: string | undefined): Promise<VmFolder> {
  const folder = dir !== undefined ? resolve(ctx.cwd, dir) : ctx.kernel.storage.userDataPath("vms", name!);
  const path = join(folder, "vm-definition.json");
  let text: string;
  try {
    text = await readBoundedText(path, { maxBytes: DEFINITION_LIMIT, what: "the VM definition" });
  } catch (error) {
    if (error instanceof FileReadError && error.fault === "missing") {
      throw new VmforgeError(LifecycleCode.noVm, dir !== undefined ? `${folder} holds no VM: ${path} does not exist.` : `There is no VM named ${name}: ${path} does not exist.`, {
        exitCode: ExitCode.usage,
        why: "vmforge start runs what `vmforge apply` wrote; `vmforge plan` writes nothing to run.",
        fix: dir !== undefined ? "Give the folder `vmforge apply --out DIR` wrote." : `Run \`vmforge apply FILE.toml\` for ${name} first; \`ls ${ctx.kernel.storage.userDataPath("vms")}\` lists the VMs applied so far.`,
      });
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `it is not JSON (${(error as Error).message})`);
  }
  const result = vmDefinitionSchema.safeParse(parsed);
  if (!result.success) throw invalid(path, formatIssues(result.error.issues));
  const definition = result.data;
  if (name !== undefined && definition.name !== name) {
    throw new VmforgeError(LifecycleCode.definitionInvalid, `${path} defines the VM ${definition.name}, not ${name}.`, {
      exitCode: ExitCode.usage,
      fix: dir !== undefined ? `Run it as \`${definition.name}\`, or give the folder of ${name}.` : "Run `vmforge apply` for the VM again; its folder holds another VM's definition.",
    });
  }
  if ((await canonical(definition.runDir)) !== (await canonical(folder))) {
    throw new VmforgeError(LifecycleCode.folderMoved, `${path} was written for the folder ${definition.runDir}, not ${folder}: its launch script, sockets and images are there.`, {
      exitCode: ExitCode.usage,
      fix: "Run `vmforge apply` (with --out for this folder) again instead of moving or copying a VM's folder.",
    });
  }
  const appliedOn = await appliedHost(join(folder, "plan.json"));
  return { name: definition.name, runDir: definition.runDir, definition, givenDir: dir !== undefined, ...(appliedOn ? { appliedOn } : {}), file: (file) => join(definition.runDir, file) };
}

/** The `host` apply recorded in plan.json (apply --host); none when the file is missing or unreadable. */
async function appliedHost(planPath: string): Promise<string | undefined> {
  try {
    const plan = JSON.parse(await readBoundedText(planPath, { maxBytes: DEFINITION_LIMIT, what: "the record of the run" })) as { host?: unknown; dryRun?: unknown };
    return plan.dryRun === false && typeof plan.host === "string" ? plan.host : undefined;
  } catch {
    return undefined;
  }
}

function invalid(path: string, why: string): VmforgeError {
  return new VmforgeError(LifecycleCode.definitionInvalid, `${path} is not a VM definition vmforge can run: ${why}`, {
    exitCode: ExitCode.usage,
    fix: "Run `vmforge apply` for the VM again: it rewrites the definition.",
  });
}

async function canonical(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/** Refuses a folder a dry run wrote (`vmforge plan --out`): its images were never made. */
export async function refusePlannedOnly(vm: VmFolder, needed: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const path of [...needed, ...vm.definition.disks.map((disk) => disk.path)]) {
    if (!(await access(path).then(() => true, () => false))) missing.push(path);
  }
  if (missing.length === 0) return;
  const images = vm.definition.disks.filter((disk) => missing.includes(disk.path));
  throw new VmforgeError(LifecycleCode.plannedOnly, `${vm.name} was planned but never applied: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist.`, {
    exitCode: ExitCode.usage,
    why: images.length > 0 ? "`vmforge plan` writes the definition and the scripts but makes no disk image; `vmforge apply` does." : undefined,
    fix: `Run \`vmforge apply FILE.toml\`${vm.givenDir ? ` --out ${vm.runDir}` : ""} to make them, then start it again.`,
  });
}
