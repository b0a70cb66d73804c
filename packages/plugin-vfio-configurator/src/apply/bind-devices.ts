import { VmforgeError, isVmforgeError, type StageContext } from "@vmforge/kernel";
import type { VfioPlan } from "../contract.js";
import { VfioCode } from "../error-codes.js";
import { journalFor, readJournal, serializeJournal } from "./undo-journal.js";

/**
 * Carries the plan out through the kernel's effects: the undo journal first, then vfio-pci
 * loaded if needed, then every function's sysfs writes in order. In a dry run each write is
 * recorded as planned and nothing changes.
 */
export async function bindDevices(ctx: StageContext, plan: VfioPlan): Promise<void> {
  const toBind = plan.functions.filter((fn) => fn.action === "bind");
  if (toBind.length === 0) {
    ctx.ui.info(`Every passthrough function of ${plan.vm} is already on vfio-pci.`);
    return;
  }
  const earlier = await readJournal(plan.undoJournal).catch(() => undefined);
  const journal = journalFor(plan.vm, ctx.host.root, plan.functions, earlier);
  await ctx.effects.writeFile(plan.undoJournal, serializeJournal(journal), { description: `undo journal for vmforge vfio undo ${plan.vm}` });

  if (plan.module.load) {
    if (ctx.host.isLive) await ctx.effects.run(plan.module.load[0]!, plan.module.load.slice(1), { description: "load vfio-pci before binding" });
    else ctx.ui.info(`Not running \`${plan.module.load.join(" ")}\`: the host root is ${ctx.host.root}, not this machine's kernel.`);
  }

  const steps = toBind.flatMap((fn) => fn.bind);
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
