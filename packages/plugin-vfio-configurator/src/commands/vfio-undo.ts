import { EffectLog, ExitCode, VmforgeError, type CommandContext, type EffectRecord } from "@vmforge/kernel";
import { VfioCode } from "../error-codes.js";
import { readJournal, serializeJournal, type UndoJournal } from "../apply/undo-journal.js";

const VM_NAME = /^[a-z0-9][a-z0-9-]*$/;
export const USAGE = "vmforge vfio undo NAME [--dry-run] [--host-root DIR] [--json]";

/**
 * `vmforge vfio undo NAME`: gives the devices that `apply --bind-vfio` bound back to the
 * drivers they had, from the journal apply wrote before binding. Every write is tried even
 * when one fails, so one stubborn device does not keep the others on vfio-pci.
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
  const records: EffectRecord[] = [];
  for (const step of journal.undo) {
    try {
      records.push(await effects.writeSysfs(step.path, step.value, step.description));
    } catch {
      records.push(log.records[log.records.length - 1]!);
    }
  }
  const failed = records.filter((record) => record.status === "failed");
  if (failed.length === 0 && !dryRun) await effects.writeFile(journalPath, serializeJournal({ ...journal, restored: true }), { description: "mark the undo journal as done" });

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
    throw new VmforgeError(VfioCode.undoJournalInvalid, `The undo journal ${path} cannot be read: ${(error as Error).message}`, {
      fix: "Restore the drivers by hand (echo ADDR > /sys/bus/pci/drivers/vfio-pci/unbind; echo > .../driver_override; echo ADDR > /sys/bus/pci/drivers_probe) or reboot.",
      cause: error,
    });
  }
  if (!journal) {
    throw new VmforgeError(VfioCode.undoNoJournal, `No undo journal for ${name} (${path}): vmforge apply --bind-vfio has not bound anything for it.`, {
      exitCode: ExitCode.usage,
      fix: "Check the VM name (`ls` the vms folder of the data home); devices bound at boot with vfio-pci.ids are given back by removing the parameter.",
    });
  }
  return journal;
}
