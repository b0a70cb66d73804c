import { ExitCode, VmforgeError, isVmforgeError, type Problem, type StageContext } from "@vmforge/kernel";
import type { SysfsWrite, VfioPlan } from "../contract.js";
import { VfioCode } from "../error-codes.js";
import { JOURNAL_MODE, journalFor, journalProblems, readJournal, serializeJournal, undoJournalSchema, type UndoJournal } from "./undo-journal.js";
import { vfioWriteProblem } from "./vfio-writes.js";

const MAX_PROBLEMS = 10;

/**
 * Carries the plan out through the kernel's effects: the undo journal first, then vfio-pci
 * loaded if needed, then every function's sysfs writes in order. In a dry run each write is
 * recorded as planned and nothing changes. Before any of it, every write (and every write of
 * the journal) must be one this plugin makes; in a real run the bind writes must also lead to
 * existing attributes inside the host's /sys.
 */
export async function bindDevices(ctx: StageContext, plan: VfioPlan): Promise<void> {
  const toBind = plan.functions.filter((fn) => fn.action === "bind");
  if (toBind.length === 0) {
    ctx.ui.info(`Every passthrough function of ${plan.vm} is already on vfio-pci.`);
    return;
  }
  const steps = toBind.flatMap((fn) => fn.bind);
  const earlier = await readJournal(plan.undoJournal);
  const journal = journalFor(plan.vm, ctx.host.root, plan.functions, earlier);
  await refuseForeignWrites(ctx, plan, steps, journal);
  await ctx.effects.writeFile(plan.undoJournal, serializeJournal(journal), { mode: JOURNAL_MODE, description: `undo journal for vmforge vfio undo ${plan.vm}` });

  if (plan.module.load) {
    if (ctx.host.isLive) await ctx.effects.run(plan.module.load[0]!, plan.module.load.slice(1), { description: "load vfio-pci before binding" });
    else ctx.ui.info(`Not running \`${plan.module.load.join(" ")}\`: the host root is ${ctx.host.root}, not this machine's kernel.`);
  }

  let done = 0;
  try {
    await ctx.ui.progress(
      "vfio-bind",
      `Binding ${toBind.length} function${toBind.length === 1 ? "" : "s"} to vfio-pci`,
      async (update) => {
        for (const step of steps) {
          await ctx.effects.writeSysfs(step.path, step.value, step.description);
          done += 1;
          update(done, steps.length);
        }
      },
      steps.length,
    );
  } catch (error) {
    throw new VmforgeError(VfioCode.bindFailed, `Binding stopped after ${done} of ${steps.length} sysfs writes: ${isVmforgeError(error) ? error.message : (error as Error).message}`, {
      why: "A write to sysfs failed (not root, a driver that refuses to let go, or a device that went away).",
      fix: `Run \`vmforge vfio undo ${plan.vm}\` to give the devices back to their drivers, then fix the cause (run as root) and apply again, or bind at boot with ${plan.bootTime.kernelParameter}.`,
      cause: error,
    });
  }
  ctx.ui.info(ctx.isDryRun() ? `Dry run: ${steps.length} sysfs writes recorded, none made.` : `${toBind.length} function${toBind.length === 1 ? "" : "s"} now on vfio-pci; \`vmforge vfio undo ${plan.vm}\` gives them back.`);
}

async function refuseForeignWrites(ctx: StageContext, plan: VfioPlan, steps: readonly SysfsWrite[], journal: UndoJournal): Promise<void> {
  const problems: Problem[] = [];
  steps.forEach((step, index) => {
    const why = vfioWriteProblem(step);
    if (why) problems.push({ code: VfioCode.writeRefused, message: why, keyPath: `bind[${index}]` });
  });
  const parsed = undoJournalSchema.safeParse(journal);
  if (!parsed.success) problems.push(...journalProblems(parsed.error.issues, plan.undoJournal));
  // A dry run checks shapes only: a snapshot need not have the attribute files.
  if (problems.length === 0 && !ctx.isDryRun()) {
    for (const [index, step] of steps.entries()) {
      try {
        await ctx.effects.checkSysfs(step.path);
      } catch (error) {
        if (!isVmforgeError(error)) throw error;
        problems.push({ code: error.code, message: error.message, keyPath: `bind[${index}]` });
      }
    }
  }
  if (problems.length === 0) return;
  throw new VmforgeError(VfioCode.writeRefused, `Nothing was bound for ${plan.vm}: ${problems.length} of the planned sysfs writes ${problems.length === 1 ? "is" : "are"} refused.`, {
    exitCode: ExitCode.usage,
    problems: problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), { code: VfioCode.writeRefused, message: `and ${problems.length - MAX_PROBLEMS} more` }] : problems,
    why: "Binding writes only driver_override, driver/unbind, drivers_probe and drivers/NAME/bind or unbind below /sys/bus/pci, each an existing attribute file inside the host's /sys; anything else means the host (or host root) is not what it seems.",
    fix: ctx.host.isLive
      ? "Check that the devices are still there (`lspci -D`) and plan again."
      : `The host root ${ctx.host.root} has symlinks that lead out, FIFOs or folders where sysfs has attribute files, odd driver names, or lacks the attributes; take a fresh snapshot.`,
  });
}
