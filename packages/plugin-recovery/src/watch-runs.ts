import type { PluginSetupApi } from "@vmforge/kernel";
import type { RunRecorder } from "./run-recorder.js";

/**
 * The recovery plugin's `setup()`: it watches every run through the kernel's hooks and never
 * sits inside a stage. The recorder (and what it loads) is imported only for a run that has a
 * name: `vmforge check` loads nothing more.
 */
export function watchRuns(api: PluginSetupApi): void {
  const { session, report, registerRunStartHook, registerRunEndHook, observeEffects } = api;
  if (!session || !report || !registerRunStartHook || !registerRunEndHook || !observeEffects) {
    api.ui?.sendMessage({ type: "Warn", code: "W_RECOVERY_UNSUPPORTED", text: "@vmforge/plugin-recovery needs a newer @vmforge/kernel: runs are neither locked nor checkpointed." });
    return;
  }
  let active: RunRecorder | undefined;
  registerRunStartHook(async (info) => {
    active = undefined;
    if (!info.runName && !info.resume?.runName) return;
    const { RunRecorder } = await import("./run-recorder.js");
    active = await RunRecorder.start({ session, report, storage: api.storage, ui: api.ui }, info);
  });
  api.registerPostStageHook(async (info) => active?.afterStage(info));
  observeEffects(async (event) => active?.onEffect(event));
  registerRunEndHook(async (info) => {
    const run = active;
    active = undefined;
    await run?.end(info);
  });
}
