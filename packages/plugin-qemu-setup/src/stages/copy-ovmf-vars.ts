import { FileReadError, ReadLimits, VmforgeError, readBoundedFile, type StageContext } from "@vmforge/kernel";
import { vmDefinitionKey } from "../contract.js";

const readFirmware = (path: string) => readBoundedFile(path, { maxBytes: ReadLimits.firmware, what: "The OVMF vars template" });

/** Each VM gets its own copy of the UEFI variable store (boot entries, secure boot keys). */
export async function run(ctx: StageContext): Promise<void> {
  const { firmware } = ctx.get(vmDefinitionKey);
  if (firmware.type !== "uefi" || !firmware.vars || !firmware.varsTemplate) return;
  if (!ctx.effects.willWrite(firmware.vars)) {
    await ctx.effects.writeFile(firmware.vars, "", { overwrite: false, description: `copy of ${firmware.varsTemplate}` });
    return;
  }
  // Not a read: whatever is there (even a FIFO) is the VM's and stays.
  if ((await ctx.effects.inspect(firmware.vars)) !== undefined) {
    ctx.ui.info(`${firmware.vars} exists; the VM keeps its UEFI variables.`);
    return;
  }
  let template: Buffer;
  try {
    // Found by env-check: a host path (below --host-root); named in [firmware] vars: the user's file.
    // Through the host root: its symlinks resolve inside it, and a remote host's file is fetched.
    template = (await ctx.host.readBytes(firmware.varsTemplate, ReadLimits.firmware)) ?? (await readFirmware(firmware.varsTemplate));
  } catch (error) {
    // A pipe, a device or an oversized file is the user's to fix (validation refuses them first).
    if (error instanceof FileReadError && (error.fault === "not-regular" || error.fault === "too-large")) throw error;
    throw new VmforgeError("E_OVMF_MISSING", `The OVMF vars template ${firmware.varsTemplate} could not be read: ${(error as Error).message}`, {
      fix: "Install OVMF: `apt install ovmf` (Debian, Ubuntu), `dnf install edk2-ovmf` (Fedora).",
      cause: error,
    });
  }
  await ctx.effects.writeFile(firmware.vars, template, { overwrite: false, description: `copy of ${firmware.varsTemplate}` });
}
