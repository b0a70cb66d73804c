import { posix } from "node:path";
import type { StageContext } from "@vmforge/kernel";
import { hostInstallTarget } from "@vmforge/plugin-qemu-setup";
import type { VfioPlan } from "../contract.js";
import { VfioWarning } from "../error-codes.js";
import { DISPATCHER_PATH, dispatcherScript, singleGpuArtifacts } from "./hook-scripts.js";

/**
 * Single-GPU passthrough: the hook scripts go into the run folder (a plan writes them there),
 * and apply installs them below /etc/libvirt/hooks through ctx.effects, with the dispatcher
 * `qemu` when the host has none. Every target is checked to lie where it belongs.
 */
export async function writeSingleGpuHooks(ctx: StageContext, plan: VfioPlan): Promise<void> {
  const hooks = singleGpuArtifacts(plan);
  if (hooks.length === 0) return;
  const written: Array<{ path: string }> = [];
  for (const hook of hooks) written.push(await ctx.writeArtifact(hook.artifact, hook.text, { mode: 0o755, description: `libvirt hook: ${posix.basename(hook.hostPath)}` }));
  const dispatcher = await hostInstallTarget(ctx.host, posix.dirname(DISPATCHER_PATH), posix.basename(DISPATCHER_PATH), ctx.effects);
  if (ctx.host.isLive && !ctx.effects.dryRun && process.getuid?.() !== 0) {
    ctx.ui.warn(
      `Not installing the single-GPU hooks below ${posix.dirname(DISPATCHER_PATH)}: that needs root.`,
      `Copy them as root: ${hooks.map((hook, index) => `sudo install -D -m 0755 ${written[index]!.path} ${hook.hostPath}`).join("; ")}.`,
      VfioWarning.hooksNotInstalled,
    );
    return;
  }
  for (const hook of hooks) {
    const target = await hostInstallTarget(ctx.host, posix.dirname(hook.hostPath), posix.basename(hook.hostPath), ctx.effects);
    if (!target.dirExists) await ctx.effects.mkdir(target.dir, "a libvirt hook folder");
    await ctx.effects.writeFile(target.path, hook.text, { mode: 0o755, description: `the single-GPU hook ${hook.hostPath}` });
  }
  if (dispatcher.fileExists) {
    ctx.ui.info(`${DISPATCHER_PATH} exists and is left as it is: it must run the scripts of qemu.d/${plan.vm}/<operation>/<phase>/ (as the common dispatcher does).`);
  } else {
    if (!dispatcher.dirExists) await ctx.effects.mkdir(dispatcher.dir, "libvirt's hook folder");
    await ctx.effects.writeFile(dispatcher.path, dispatcherScript(), { mode: 0o755, overwrite: false, description: "libvirt's QEMU hook dispatcher (restart libvirtd once to have it read)" });
  }
  ctx.ui.info(`Single-GPU passthrough: libvirt's hooks stop the display manager, unbind the virtual consoles and the EFI framebuffer and detach ${plan.functions.map((fn) => fn.address).join(", ")} before ${plan.vm} starts, and give it all back after it stops (start it with \`virsh start ${plan.vm}\`, over SSH).`);
}
