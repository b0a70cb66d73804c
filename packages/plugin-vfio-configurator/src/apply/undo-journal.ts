import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { PlanFunction } from "../contract.js";
import { undoSteps } from "../planner/binding-steps.js";

const journalStepSchema = z.object({
  path: z.string().regex(/^\/sys\/bus\/pci\/[A-Za-z0-9_.:/-]+$/, "a path below /sys/bus/pci"),
  value: z.string(),
  description: z.string(),
});

/** What `vmforge vfio undo NAME` needs: each function's driver before the binding, and the writes that restore it. */
export const undoJournalSchema = z.object({
  schemaVersion: z.literal(1),
  vm: z.string(),
  /** The host root the binding was done under ("/" on a real host). */
  hostRoot: z.string(),
  functions: z.array(
    z.object({
      address: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/),
      originalDriver: z.string().nullable(),
      originalDriverOverride: z.string(),
    }),
  ),
  /** In order: what undo writes. */
  undo: z.array(journalStepSchema),
  /** True once undo has run; a second undo does nothing. */
  restored: z.boolean(),
});
export type UndoJournal = z.infer<typeof undoJournalSchema>;

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

/** The journal at `path`: undefined when there is none; throws with zod's issues when it is not one. */
export async function readJournal(path: string): Promise<UndoJournal | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return undoJournalSchema.parse(JSON.parse(text));
}
