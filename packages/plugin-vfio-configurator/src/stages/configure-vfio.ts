import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { StageContext } from "@vmforge/kernel";
import { buildHostReport, environmentDataKey, type EnvironmentData } from "@vmforge/plugin-env-check";
import { hostDevicesKey, userVmRequestKey, type UserVmRequest } from "@vmforge/plugin-qemu-setup";
import { bindDevices } from "../apply/bind-devices.js";
import { vfioPlanKey, type VfioPlan } from "../contract.js";
import { buildPlan } from "../planner/build-plan.js";
import { readHostExtras } from "../planner/host-extras.js";
import { renderPlan } from "../render-plan.js";
import { writeSingleGpuHooks } from "../single-gpu/install-hooks.js";

export const PLAN_ARTIFACT = "vfio-plan.json";

export async function run(ctx: StageContext): Promise<void> {
  const env = ctx.get(environmentDataKey);
  const request = ctx.get(userVmRequestKey);
  if (!ctx.runName) ctx.setRunName(request.vm.name);
  const extras = await readHostExtras(ctx.host, env, env.pci.devices.map((device) => device.address));
  const romFiles = romFilesOf(request);
  for (const [index, rom] of romFiles) if (rom.exists) await ctx.recordInput(rom.path, `passthrough[${index}].rom_file`);
  const { plan, hostDevices } = buildPlan({
    env,
    request,
    extras,
    iommuFix: iommuFixFor(env),
    undoJournal: ctx.storage.userDataPath("vms", request.vm.name, "vfio-undo.json"),
    romFiles,
  });
  ctx.set(vfioPlanKey, plan);
  for (const device of hostDevices) ctx.add(hostDevicesKey, device);
  for (const warning of plan.warnings) ctx.ui.warn(warning.message, warning.fix, warning.code);
  const bindNow = ctx.input.flags.bindVfio === true;
  const artifact = await ctx.writeArtifact(PLAN_ARTIFACT, `${JSON.stringify(plan, null, 2)}\n`, { description: "VFIO binding plan" });
  ctx.ui.result(renderPlan(plan, { bindNow }), plan, artifact.path);
  await writeSingleGpuHooks(ctx, plan);
  if (bindNow) {
    reportInterruptedBinding(ctx, plan);
    await bindDevices(ctx, plan);
  }
  else if (plan.functions.some((fn) => fn.action === "bind")) ctx.ui.info(`Nothing was bound: \`vmforge apply CONFIG --bind-vfio\` binds now, or bind at boot with ${plan.bootTime.kernelParameter}.`);
}

/**
 * A resumed run after a kill in the middle of binding: the sysfs writes that started are not
 * trusted or simply repeated. The plan was just made from the drivers the devices have now, so
 * a function already on vfio-pci is left as it is (`already-bound`), and the journal keeps the
 * drivers the first binding recorded.
 */
function reportInterruptedBinding(ctx: StageContext, plan: VfioPlan): void {
  const started = ctx.interruptedEffects.filter((record) => record.kind === "sysfs-write");
  if (started.length === 0) return;
  const bound = plan.functions.filter((fn) => fn.action === "already-bound").map((fn) => fn.address);
  ctx.ui.info(
    `The run before was stopped while it bound devices (at ${started.map((record) => `${record.value?.trim()} > ${record.path}`).join(", ")}); checked the drivers again: ${bound.length > 0 ? `${bound.join(", ")} already on vfio-pci` : "none on vfio-pci yet"}.`,
  );
}

/** The env-check plugin's own advice for turning the IOMMU on, so both say the same. */
function iommuFixFor(env: EnvironmentData): string {
  if (env.iommu.enabled) return "";
  const check = buildHostReport(env).checks.find((candidate) => candidate.id === "iommu.enabled");
  if (check?.fix) return check.fix;
  const parameter = env.cpu.vendor === "amd" ? "amd_iommu=on iommu=pt" : "intel_iommu=on iommu=pt";
  return `Enable the IOMMU (VT-d / AMD-Vi) in the firmware setup and add \`${parameter}\` to the kernel command line (GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then \`sudo update-grub\`), then reboot.`;
}

/** rom_file made absolute against the config file's folder. */
function romFilesOf(request: UserVmRequest): Map<number, { path: string; exists: boolean }> {
  const roms = new Map<number, { path: string; exists: boolean }>();
  request.passthrough.forEach((entry, index) => {
    if (entry.rom_file === undefined) return;
    const path = isAbsolute(entry.rom_file) ? entry.rom_file : resolve(dirname(request.source.path), entry.rom_file);
    roms.set(index, { path, exists: existsSync(path) });
  });
  return roms;
}
