import { z } from "@vmforge/kernel/zod";
import { ExitCode, PrivateFileRefused, ReadLimits, VmforgeError, problemsFromIssues, readPrivateFile, type Problem } from "@vmforge/kernel";
import type { PlanFunction, SysfsWrite } from "../contract.js";
import { VfioCode } from "../error-codes.js";
import { undoSteps } from "../planner/binding-steps.js";
import { DRIVER_NAME, PCI_ADDRESS, shown, vfioWriteProblem } from "./vfio-writes.js";

/** The journal is vmforge's own: only its user reads or writes it. */
export const JOURNAL_MODE = 0o600;
/** More than any machine has PCI functions; a journal is refused beyond it. */
const MAX_FUNCTIONS = 256;
const MAX_PROBLEMS = 10;

const driverName = z.string().regex(DRIVER_NAME, "a driver name ([A-Za-z0-9_.-]+, not . or ..)");

const journalStepSchema = z
  .strictObject({
    path: z.string().max(256),
    value: z.string().max(256),
    description: z.string().max(1000),
  })
  .superRefine((step, ctx) => {
    const problem = vfioWriteProblem(step);
    if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["path"] });
  });

/** What `vmforge vfio undo NAME` needs: each function's driver before the binding, and the writes that restore it. */
export const undoJournalSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    vm: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a VM name"),
    /** The host root the binding was done under ("/" on a real host). */
    hostRoot: z.string().max(4096).regex(/^\/[^\0-\x1f\x7f]*$/, "an absolute path without control characters"),
    functions: z
      .array(
        z.strictObject({
          address: z.string().regex(PCI_ADDRESS, "a PCI address (0000:01:00.0)"),
          originalDriver: driverName.nullable(),
          /** "" when none was set. */
          originalDriverOverride: z.union([z.literal(""), driverName]),
        }),
      )
      .max(MAX_FUNCTIONS),
    /** In order: what undo writes. */
    undo: z.array(journalStepSchema).max(MAX_FUNCTIONS * 3),
    /** True once undo has run; a second undo does nothing. */
    restored: z.boolean(),
  })
  .superRefine((journal, ctx) => {
    // Each write must be one the planner makes to give back a function the journal lists.
    const expected = new Set(journal.functions.flatMap((fn) => undoSteps(fn.address, fn.originalDriver, fn.originalDriverOverride).map(stepKey)));
    journal.undo.forEach((step, index) => {
      if (vfioWriteProblem(step) || expected.has(stepKey(step))) return;
      ctx.addIssue({ code: "custom", path: ["undo", index], message: `writing ${shown(step.value)} to ${step.path} gives back none of the functions the journal lists (as they were before the binding)` });
    });
  });
export type UndoJournal = z.infer<typeof undoJournalSchema>;

function stepKey(step: Pick<SysfsWrite, "path" | "value">): string {
  return `${step.path}\0${step.value}`;
}

/**
 * The journal for the functions about to be bound. A journal left by an earlier bind that was
 * never undone keeps its originals: those devices are on vfio-pci now, and the driver to give
 * them back is the one it recorded.
 */
export function journalFor(vm: string, hostRoot: string, functions: readonly PlanFunction[], earlier: UndoJournal | undefined): UndoJournal {
  const kept = earlier && !earlier.restored && earlier.hostRoot === hostRoot ? earlier.functions : [];
  const keptAddresses = new Set(kept.map((fn) => fn.address));
  const fresh = functions
    .filter((fn) => fn.action === "bind" && !keptAddresses.has(fn.address))
    .map((fn) => ({ address: fn.address, originalDriver: fn.currentDriver, originalDriverOverride: fn.currentDriverOverride }));
  const all = [...kept, ...fresh];
  return {
    schemaVersion: 1,
    vm,
    hostRoot,
    functions: all,
    undo: [...all].reverse().flatMap((fn) => undoSteps(fn.address, fn.originalDriver, fn.originalDriverOverride)),
    restored: false,
  };
}

export function serializeJournal(journal: UndoJournal): string {
  return `${JSON.stringify(journal, null, 2)}\n`;
}

/** The schema's issues as problems (the first few: a forged file can have thousands). */
export function journalProblems(issues: z.ZodError["issues"], file: string): Problem[] {
  const problems = problemsFromIssues(issues.slice(0, MAX_PROBLEMS), { file, code: VfioCode.undoJournalInvalid });
  if (issues.length > MAX_PROBLEMS) problems.push({ code: VfioCode.undoJournalInvalid, file, message: `and ${issues.length - MAX_PROBLEMS} more` });
  return problems;
}

/**
 * The journal at `path`, undefined when there is none. Only a file vmforge could have written
 * is read: a regular file (not a symlink, FIFO or device), owned by the user running vmforge
 * or root, writable by nobody else, at most ReadLimits.document; otherwise
 * E_VFIO_UNDO_JOURNAL_UNSAFE. A file that is not a journal is E_VFIO_UNDO_JOURNAL_INVALID.
 * Both exit 2, and nothing in the file is used.
 */
export async function readJournal(path: string): Promise<UndoJournal | undefined> {
  let read: Awaited<ReturnType<typeof readPrivateFile>>;
  try {
    read = await readPrivateFile(path, { maxBytes: ReadLimits.document, what: "the undo journal", allowRoot: true });
  } catch (error) {
    if (!(error instanceof PrivateFileRefused)) throw error;
    throw error.fault === "too-large" ? invalid(path, error.reason) : unsafe(path, error.reason);
  }
  if (read === undefined) return undefined;
  const text = read.bytes.toString("utf8");

  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `it is not JSON (${(error as Error).message})`);
  }
  const parsed = undoJournalSchema.safeParse(document);
  if (!parsed.success) throw invalid(path, "it is not an undo journal vmforge writes", journalProblems(parsed.error.issues, path));
  return parsed.data;
}

const HAND_UNDO = "give the devices back by hand (echo ADDR > /sys/bus/pci/drivers/vfio-pci/unbind; echo > /sys/bus/pci/devices/ADDR/driver_override; echo ADDR > /sys/bus/pci/drivers_probe) or reboot";

function unsafe(path: string, why: string): VmforgeError {
  return new VmforgeError(VfioCode.undoJournalUnsafe, `The undo journal ${path} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    why: "The journal says which sysfs files vmforge writes as root, so only a regular file that nobody but you (or root) can change is read.",
    fix: `vmforge writes the journal itself, as you, with mode 0600. If you did not change it, someone else may have: look at it, delete it, and ${HAND_UNDO}.`,
  });
}

function invalid(path: string, why: string, problems: Problem[] = []): VmforgeError {
  return new VmforgeError(VfioCode.undoJournalInvalid, `The undo journal ${path} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    problems,
    why: "A journal that is not exactly one vmforge writes is refused whole: none of its writes is made.",
    fix: `Restore the journal if you changed it; otherwise delete it and ${HAND_UNDO}.`,
  });
}
