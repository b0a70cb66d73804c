import { EffectLog, ExitCode, VmforgeError, isVmforgeError, type CommandContext, type EffectRecord, type Effects, type Problem } from "@vmforge/kernel";
import { VfioCode } from "../error-codes.js";
import { JOURNAL_MODE, readJournal, serializeJournal, type UndoJournal } from "../apply/undo-journal.js";

const VM_NAME = /^[a-z0-9][a-z0-9-]*$/;
export const USAGE = "vmforge vfio undo NAME [--dry-run] [--host-root DIR] [--json]";

/**
 * `vmforge vfio undo NAME`: gives the devices that `apply --bind-vfio` bound back to the
 * drivers they had, from the journal apply wrote before binding. The journal is checked whole
 * first (the file, its shape, where each write leads) and refused whole: nothing is written
 * unless every write may be. Then every write is tried even when one fails, so one stubborn
 * device does not keep the others on vfio-pci.
 */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { name, dryRun } = parseArgs(args);
  const journalPath = ctx.kernel.storage.userDataPath("vms", name, "vfio-undo.json");
  const journal = await loadJournal(journalPath, name);
  const out = (line: string): void => void ctx.stdout.write(`${line}\n`);

  if (journal.restored) {
    if (ctx.json) out(JSON.stringify({ vm: name, journal: journalPath, restored: true, writes: [] }));
    else out(`Nothing to undo for ${name}: its devices were already given back (${journalPath}).`);
    return ExitCode.ok;
  }
  if (journal.hostRoot !== ctx.kernel.host.root) {
    throw new VmforgeError(VfioCode.undoHostMismatch, `The journal of ${name} was written for the host root ${journal.hostRoot}, but this run reads ${ctx.kernel.host.root}.`, {
      exitCode: ExitCode.usage,
      fix: journal.hostRoot === "/" ? "Run the undo without --host-root." : `Run \`vmforge vfio undo ${name} --host-root ${journal.hostRoot}\`.`,
    });
  }

  const log = dryRun ? new EffectLog({ dryRun: true, host: ctx.kernel.host }) : ctx.kernel.effectLog;
  const effects = log.forStage("vfio:undo");
  await refuseUnsafeWrites(effects, journal, journalPath);
  const records: EffectRecord[] = [];
  for (const step of journal.undo) {
    try {
      records.push(await effects.writeSysfs(step.path, step.value, step.description));
    } catch {
      records.push(log.records[log.records.length - 1]!);
    }
  }
  const failed = records.filter((record) => record.status === "failed");
  if (failed.length === 0 && !dryRun) await effects.writeFile(journalPath, serializeJournal({ ...journal, restored: true }), { mode: JOURNAL_MODE, description: "mark the undo journal as done" });

  if (ctx.json) {
    out(JSON.stringify({ vm: name, journal: journalPath, dryRun, restored: failed.length === 0 && !dryRun, writes: records }));
  } else {
    out(dryRun ? `Dry run: undo of ${name} would write:` : `Undo of ${name}:`);
    for (const record of records) out(`  ${record.status === "failed" ? "FAILED " : ""}write "${record.value === "\n" ? "\\n" : record.value}" to ${record.path}${record.error ? ` (${record.error})` : ""}`);
    for (const fn of journal.functions) out(`  ${fn.address}: back to ${fn.originalDriver ?? "no driver (as before)"}`);
  }
  if (failed.length > 0) {
    throw new VmforgeError(VfioCode.undoFailed, `${failed.length} of ${records.length} writes of the undo of ${name} failed.`, {
      fix: "Run it as root. A device a driver refuses to take back comes back after a reboot (unless bound at boot by vfio-pci.ids).",
    });
  }
  return ExitCode.ok;
}

function parseArgs(args: string[]): { name: string; dryRun: boolean } {
  const positionals: string[] = [];
  let dryRun = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === "--host-root" || arg === "--project") index += 1;
    else if (arg === "--dry-run") dryRun = true;
    else if (arg.startsWith("--")) continue;
    else positionals.push(arg);
  }
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0 || !VM_NAME.test(name)) {
    throw new VmforgeError(VfioCode.undoUsage, name && extra.length === 0 ? `"${name}" is not a VM name (lower-case letters, digits and -).` : "vfio undo takes one VM name.", { exitCode: ExitCode.usage, fix: `Usage: ${USAGE}` });
  }
  return { name, dryRun };
}

async function loadJournal(path: string, name: string): Promise<UndoJournal> {
  let journal: UndoJournal | undefined;
  try {
    journal = await readJournal(path);
  } catch (error) {
    if (isVmforgeError(error)) throw error;
    throw new VmforgeError(VfioCode.undoJournalInvalid, `The undo journal ${path} cannot be read: ${(error as Error).message}`, { exitCode: ExitCode.usage, fix: "Check the file and its folder.", cause: error });
  }
  if (!journal) {
    throw new VmforgeError(VfioCode.undoNoJournal, `No undo journal for ${name} (${path}): vmforge apply --bind-vfio has not bound anything for it.`, {
      exitCode: ExitCode.usage,
      fix: "Check the VM name (`ls` the vms folder of the data home); devices bound at boot with vfio-pci.ids are given back by removing the parameter.",
    });
  }
  if (journal.vm !== name) {
    throw new VmforgeError(VfioCode.undoJournalInvalid, `The undo journal ${path} is not used: it was written for the VM ${journal.vm}, not ${name}.`, {
      exitCode: ExitCode.usage,
      fix: `Run \`vmforge vfio undo ${journal.vm}\` if that is the VM, or move the journal back to its own folder.`,
    });
  }
  return journal;
}

/** Every write the journal asks for must lead to an existing attribute inside the host's /sys before the first one is made. */
async function refuseUnsafeWrites(effects: Effects, journal: UndoJournal, journalPath: string): Promise<void> {
  const problems: Problem[] = [];
  for (const [index, step] of journal.undo.entries()) {
    try {
      await effects.checkSysfs(step.path);
    } catch (error) {
      if (!isVmforgeError(error)) throw error;
      problems.push({ code: error.code, message: error.message, file: journalPath, keyPath: `undo[${index}].path` });
    }
  }
  if (problems.length === 0) return;
  const onlyMissing = problems.every((problem) => problem.code === "E_SYSFS_NO_ATTRIBUTE");
  throw new VmforgeError(VfioCode.undoJournalRefused, `Nothing was undone for ${journal.vm}: ${problems.length} of the ${journal.undo.length} writes of ${journalPath} ${problems.length === 1 ? "is" : "are"} refused.`, {
    exitCode: ExitCode.usage,
    problems,
    why: "vmforge writes only existing attribute files below /sys/bus/pci that stay inside the host's /sys, and an undo is made whole or not at all.",
    fix: onlyMissing
      ? "A driver that is not loaded has no bind attribute: load it (`sudo modprobe NAME`) and run the undo again. Devices that are gone, or a host rebooted since the binding, have nothing to undo: delete the journal."
      : "The journal or the host root names files vmforge never writes (a symlink leading out, a FIFO, a forged path). Look at both; give the devices back by hand or reboot, then delete the journal.",
  });
}
