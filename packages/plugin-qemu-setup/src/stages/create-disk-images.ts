import { access } from "node:fs/promises";
import { dirname } from "node:path";
import { VmforgeError, type StageContext } from "@vmforge/kernel";
import { environmentDataKey } from "@vmforge/plugin-env-check";
import { vmDefinitionKey } from "../contract.js";
import { diskImageCommands } from "../disk-images.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const qemuImg = ctx.get(environmentDataKey).firmware.binaries.qemuImg ?? "qemu-img";
  const images = diskImageCommands(definition, qemuImg);
  if (images.length === 0) return;
  await ctx.ui.progress(
    "qemu_setup:disk_images",
    `Disk images for ${definition.name}`,
    async (update) => {
      for (const [index, { path, argv }] of images.entries()) {
        await createImage(ctx, path, argv);
        update(index + 1);
      }
    },
    images.length,
  );
}

/** qemu-img create, only when nothing is at the path yet (qemu-img itself would truncate it). */
async function createImage(ctx: StageContext, path: string, argv: string[]): Promise<void> {
  if (await exists(path)) {
    ctx.ui.info(`${path} exists; used as is (vmforge never overwrites an image).`);
    return;
  }
  await ctx.effects.mkdir(dirname(path), "folder for a disk image");
  const [program, ...args] = argv;
  const result = await ctx.effects.run(program!, args, { description: `create disk image ${path}` });
  if (result === undefined) {
    ctx.ui.info(`Would create ${path} (${argv.join(" ")}).`);
    return;
  }
  if (result.exitCode !== 0) {
    throw new VmforgeError("E_DISK_CREATE_FAILED", `qemu-img could not create ${path}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, {
      fix: result.exitCode === 127 ? "Install qemu-img (package qemu-utils)." : "Check the folder's permissions and free space.",
    });
  }
  ctx.ui.info(`Created ${path}.`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
