import { dirname } from "node:path";
import { ExitCode, VmforgeError, type Problem, type StageContext } from "@vmforge/kernel";
import { environmentDataKey } from "@vmforge/plugin-env-check";
import { userVmRequestKey, vmDefinitionKey, type VmDefinition } from "../contract.js";
import { locatedProblem, type ProblemContext } from "../config-problems.js";
import { checkArguments, imagesOfDefinition, infoArguments, judgeCheck, judgeInfo, type ExistingImage } from "../disk-image-check.js";
import { diskImageCommands } from "../disk-images.js";
import { temporaryImagePath } from "../image-placement.js";
import { requestProblemContext } from "../request-context.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const request = ctx.get(userVmRequestKey);
  const qemuImg = ctx.get(environmentDataKey).firmware.binaries.qemuImg ?? "qemu-img";
  await checkExistingImages(ctx, qemuImg, imagesOfDefinition(definition, request), requestProblemContext(request), definition);
  const images = diskImageCommands(definition, qemuImg, temporaryImagePath);
  if (images.length === 0) return;
  await reportInterruptedCreations(ctx, images.map((image) => image.path));
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

/**
 * Every image that is already there (an existing disk, one left by an earlier run, a base
 * image) is opened by qemu-img before it is used: a half-made qcow2 or an empty file stops the
 * run, every one of them named. In a dry run the checks are only recorded.
 */
async function checkExistingImages(ctx: StageContext, qemuImg: string, images: ExistingImage[], context: ProblemContext, definition: VmDefinition): Promise<void> {
  const problems: Problem[] = [];
  for (const image of images) {
    // On the machine the disks are made on (this one, or the --host of apply).
    const found = await ctx.effects.inspect(image.path, { follow: true });
    if (!found) continue;
    if (found !== "file" && found !== "block") {
      // Validation refuses these; one swapped in since must still never reach qemu-img (a FIFO would block it).
      problems.push(brokenImage(context, image, "neither a file nor a block device", "it cannot hold a disk image"));
      continue;
    }
    const info = await ctx.effects.run(qemuImg, infoArguments(image), { description: `check ${image.path} before using it`, idempotent: true });
    const check = image.format === "qcow2" ? await ctx.effects.run(qemuImg, checkArguments(image), { description: `check the qcow2 metadata of ${image.path}`, idempotent: true }) : undefined;
    if (info === undefined) {
      ctx.ui.info(`Would check ${image.path} with qemu-img before using it.`);
      continue;
    }
    const verdict = judgeInfo(image, info);
    const checked = verdict.ok && check ? judgeCheck(check) : verdict;
    if (!checked.ok) problems.push(brokenImage(context, image, checked.received, checked.detail, checked.fix));
    else problems.push(...smallerThanBase(context, image, info.stdout, definition));
    if (checked.ok && checked.note) ctx.ui.warn(`${image.what}, ${image.path}: ${checked.note}.`, undefined, "W_DISK_LEAKS");
  }
  const tooSmall = problems.filter((problem) => problem.code === "E_DISK_SMALLER_THAN_BASE");
  if (tooSmall.length > 0 && tooSmall.length === problems.length) {
    throw new VmforgeError("E_DISK_SMALLER_THAN_BASE", `${tooSmall.length} overlay${tooSmall.length === 1 ? " would be" : "s would be"} smaller than ${tooSmall.length === 1 ? "its base image" : "their base images"}; no image was created.`, {
      exitCode: ExitCode.usage,
      why: "The guest's partitions and file systems fill the base image; a smaller overlay would cut them off.",
      fix: "Leave size out, or give at least the base image's size.",
      problems,
    });
  }
  if (problems.length > 0) {
    throw new VmforgeError("E_DISK_BROKEN", `${problems.length} disk image${problems.length === 1 ? " is" : "s are"} broken; no image was created.`, {
      exitCode: ExitCode.usage,
      why: "An image that is already there is used as is, so it is checked first (qemu-img info, and qemu-img check for qcow2).",
      fix: "Fix each image listed, then run the command again.",
      problems,
    });
  }
}

/**
 * An overlay's `size` below its base image's virtual size would cut the guest's disk (the
 * partition table and file systems reach further): refused at the size key. A larger size grows it.
 */
function smallerThanBase(context: ProblemContext, image: ExistingImage, infoJson: string, definition: VmDefinition): Problem[] {
  let virtualSize: unknown;
  try {
    virtualSize = (JSON.parse(infoJson) as { "virtual-size"?: unknown })["virtual-size"];
  } catch {
    return [];
  }
  if (typeof virtualSize !== "number") return [];
  return definition.disks
    .filter((disk) => disk.source === "backing" && disk.backing?.path === image.path && disk.sizeBytes !== null && disk.sizeBytes < virtualSize)
    .map((disk) =>
      locatedProblem(context, ["disk", disk.index, "size"], {
        code: "E_DISK_SMALLER_THAN_BASE",
        message: `disk[${disk.index}]'s size (${disk.sizeBytes} bytes) is smaller than its base image ${image.path} (${virtualSize} bytes)`,
        received: String(disk.sizeBytes),
        expected: `at least ${virtualSize} bytes (the base image's virtual size), or no size`,
        fix: "Leave size out (the overlay takes the base image's size) or give a larger one.",
      }),
    );
}

function brokenImage(context: ProblemContext, image: ExistingImage, received: string, detail: string, knownFix?: string): Problem {
  const fix = knownFix ?? (image.createdByVmforge
    ? `Delete ${image.path} (most likely left by an interrupted run): vmforge then creates it again.`
    : image.format === "qcow2"
      ? `Restore ${image.path} from a backup, or try \`qemu-img check -r all ${image.path}\` on a copy; check that the key names the image you meant.`
      : `Point the key at the real image; an empty or truncated file is no disk (to have vmforge make a new one, delete it and give size = "20GiB").`);
  return locatedProblem(context, image.keyPath, {
    code: "E_DISK_BROKEN",
    message: `${image.what}, ${image.path}, is broken: ${detail}`,
    received,
    expected: `a ${image.format} image that qemu-img opens${image.format === "qcow2" ? " and qemu-img check passes" : ""}`,
    fix,
  });
}

/**
 * qemu-img create under a temporary name beside the image, renamed into place once it has
 * succeeded: a killed or failed create never leaves a half-made image behind. Only when
 * nothing is at the path yet (qemu-img itself would truncate it).
 */
async function createImage(ctx: StageContext, path: string, argv: string[]): Promise<void> {
  if ((await ctx.effects.inspect(path)) !== undefined) {
    // A run killed between placing the image and removing its temporary name left the latter (a second link to the same image).
    await ctx.effects.removeTemporary(temporaryImagePath(path));
    ctx.ui.info(`${path} exists and passed the check; used as is (vmforge never overwrites an image).`);
    return;
  }
  await ctx.effects.mkdir(dirname(path), "folder for a disk image");
  const temporary = temporaryImagePath(path);
  const [program, ...args] = argv;
  const result = await ctx.effects.run(program!, args, { description: `create disk image ${path} (as ${temporary}, renamed when complete)` });
  if (result === undefined) {
    ctx.ui.info(`Would create ${path} (${argv.join(" ")}, then rename).`);
    return;
  }
  if (result.exitCode !== 0) {
    await ctx.effects.removeTemporary(temporary);
    throw new VmforgeError("E_DISK_CREATE_FAILED", `qemu-img could not create ${path}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, {
      fix: result.exitCode === 127 ? "Install qemu-img (package qemu-utils)." : "Check the folder's permissions and free space.",
    });
  }
  try {
    await ctx.effects.moveIntoPlace(temporary, path);
  } catch (error) {
    await ctx.effects.removeTemporary(temporary);
    throw new VmforgeError("E_DISK_CREATE_FAILED", `The new image could not be moved to ${path}: ${(error as Error).message}`, {
      fix: (error as NodeJS.ErrnoException).code === "EEXIST" ? `Something else created ${path} meanwhile; check it, then run the command again.` : "Check the folder's permissions and free space.",
      cause: error,
    });
  }
  ctx.ui.info(`Created ${path}.`);
}

/**
 * A resumed run after a kill in the middle of `qemu-img create`: the image is checked, not
 * trusted and not simply made again. It is at its name only once qemu-img succeeded (it is made
 * under a temporary name, then linked into place), and then it has just passed qemu-img
 * info/check above; otherwise the half-made temporary file is made again from scratch.
 */
async function reportInterruptedCreations(ctx: StageContext, paths: string[]): Promise<void> {
  for (const path of paths) {
    const temporary = temporaryImagePath(path);
    if (!ctx.interruptedEffects.some((record) => record.kind === "run" && record.command?.includes(temporary))) continue;
    const placed = (await ctx.effects.inspect(path)) !== undefined;
    ctx.ui.info(
      placed
        ? `The run before was stopped while it created ${path}; the image had been completed, passed qemu-img's check, and is kept.`
        : `The run before was stopped while it created ${path}; the image was not finished, so it is made again.`,
    );
  }
}
