import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import type { StageContext } from "@vmforge/kernel";
import { environmentDataKey } from "@vmforge/plugin-env-check";
import { guestNeedsKey, userVmRequestKey, type UserVmRequest } from "../contract.js";
import { didYouMean } from "../did-you-mean.js";
import { installedGuests, preparesGuest } from "../guest-names.js";
import { KNOWN_TABLE_OWNERS } from "../known-tables.js";
import { validateVmRequest, validationError, type Warning } from "../validate-request.js";
import { hostFitKey, type HostFit } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  const request = ctx.get(userVmRequestKey);
  const environment = ctx.get(environmentDataKey);
  const passthroughHandled = ctx.plugins.some((plugin) => plugin.stages.some((stage) => stage.adds?.includes("host_devices")));
  const { fit, problems, warnings, needsApplied } = await validateVmRequest(request, environment, { passthroughHandled, guestNeeds: ctx.items(guestNeedsKey), imageCache: ctx.storage.userCachePath("images"), host: ctx.host, invokingUser: invokingUser() });
  const guestWarning = unhandledGuest(request.vm.guest, ctx);
  if (guestWarning) warnings.push(guestWarning);
  if (request.output.libvirt_xml && !ctx.plugins.some((plugin) => plugin.stages.some((stage) => stage.id === "qemu_setup:generate_libvirt_xml"))) {
    warnings.push({ code: "W_LIBVIRT_UNHANDLED", text: "[output] libvirt_xml = true, but no installed plugin writes domain.xml.", fix: "Install @vmforge/plugin-libvirt-xml (`npm install @vmforge/plugin-libvirt-xml`)." });
  }
  if (request.output.kubevirt === true && !ctx.plugins.some((plugin) => plugin.stages.some((stage) => stage.id === "kubevirt:generate_kubevirt_vm"))) {
    warnings.push({ code: "W_KUBEVIRT_UNHANDLED", text: "[output] kubevirt = true, but no installed plugin writes kubevirt-vm.yaml.", fix: "Install @vmforge/plugin-kubevirt (`npm install @vmforge/plugin-kubevirt`)." });
  }
  for (const warning of warnings) ctx.ui.warn(warning.text, warning.fix, warning.code);
  if (problems.length > 0) throw validationError(problems);
  await recordUserFiles(ctx, request, fit);
  ctx.set(hostFitKey, fit);
  if (needsApplied.length > 0) ctx.ui.info(`Firmware: ${needsApplied.join("; ")}.`);
  ctx.ui.info(`The host can run ${request.vm.name} (${fit.accelerator.type}: ${fit.accelerator.reason}).`);
  if (fit.ovmf) ctx.ui.info(`UEFI firmware: ${fit.ovmf.code}, variables from ${fit.ovmf.varsTemplate} (chosen by ${fit.ovmf.source}).`);
}

/**
 * The files the description names that are already there (images used as they are, base images,
 * firmware overrides): a resumed run refuses to go on when one changed. Images vmforge makes are
 * its output, not an input.
 */
async function recordUserFiles(ctx: StageContext, request: UserVmRequest, fit: HostFit): Promise<void> {
  for (const [index, disk] of fit.disks.entries()) {
    if (disk.path !== null && disk.exists) await ctx.recordInput(disk.path, `disk[${index}]'s image`);
    // An image not downloaded yet is no input of this run (fetch_disk_images verifies it by its checksum).
    if (disk.backingPath !== null && disk.image?.cached !== false) await ctx.recordInput(disk.backingPath, `the base image of disk[${index}]`);
  }
  const baseDir = dirname(request.source.path);
  if (request.firmware.code !== undefined) await ctx.recordInput(resolve(baseDir, request.firmware.code), "[firmware] code");
  if (request.firmware.vars !== undefined) await ctx.recordInput(resolve(baseDir, request.firmware.vars), "[firmware] vars");
}

/** A guest plugin lists its guests (`guests: ["windows"]`) or owns the table named after its guest ([linux]). */
function unhandledGuest(guest: string, ctx: StageContext): Warning | undefined {
  if (guest === "none" || preparesGuest(ctx.plugins, guest)) return undefined;
  const installed = installedGuests(ctx.plugins);
  const meant = didYouMean(guest, installed.map((entry) => entry.guest));
  const owner = Object.hasOwn(KNOWN_TABLE_OWNERS, guest) ? KNOWN_TABLE_OWNERS[guest] : undefined;
  const choices = ["none", ...installed.map((entry) => entry.guest)].map((name) => `"${name}"`).join(", ");
  return {
    code: "W_GUEST_UNHANDLED",
    text: `guest = "${guest}", but no installed plugin prepares that guest; the VM is defined without guest setup. Installed guests: ${choices}.`,
    fix: meant ? `Did you mean guest = "${meant}"?` : owner ? `Install ${owner} (\`npm install ${owner}\`).` : 'Install the guest plugin, or set guest = "none".',
  };
}

/** Who runs vmforge: by default also who runs launch.sh. */
function invokingUser(): string | null {
  try {
    const name = userInfo().username;
    // It goes into a tmpfiles line and a udev rule: only a plain account name.
    return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(name) ? name : null;
  } catch {
    return null;
  }
}
