import type { RunResult } from "@vmforge/kernel";
import type { UserVmRequest, VmDefinition } from "./contract.js";

/** An image file the VM would use that is already there: checked with qemu-img before it is used. */
export interface ExistingImage {
  path: string;
  format: "qcow2" | "raw";
  /** The [[disk]] key that names it: `disk[1].path`, `disk[1].backing`, or `disk[1]` for a generated name. */
  keyPath: PropertyKey[];
  /** "disk[1]'s image", "the base image of disk[1]". */
  what: string;
  /** vmforge creates this file when it is missing, so a broken one is most likely left over from an interrupted run. */
  createdByVmforge: boolean;
}

/** `fix` when the image itself may be fine (in use, not readable): then the usual repair advice would mislead. */
export type ImageVerdict = { ok: true; note?: string } | { ok: false; received: string; detail: string; fix?: string };

/** 512 bytes: less than one sector holds no disk at all. */
const SECTOR = 512;

/** The images of the definition, and the base images of its overlays, one entry a path. */
export function imagesOfDefinition(definition: VmDefinition, request: UserVmRequest): Array<ExistingImage & { role: "image" | "base" }> {
  const images: Array<ExistingImage & { role: "image" | "base" }> = [];
  const seen = new Set<string>();
  for (const disk of definition.disks) {
    const named = request.disk[disk.index]?.path !== undefined;
    images.push({
      role: "image",
      path: disk.path,
      format: disk.format,
      keyPath: named ? ["disk", disk.index, "path"] : ["disk", disk.index],
      what: named ? `disk[${disk.index}]'s image` : `disk[${disk.index}]'s image (vmforge's name for it)`,
      createdByVmforge: disk.source !== "existing",
    });
    seen.add(disk.path);
  }
  for (const disk of definition.disks) {
    if (!disk.backing || seen.has(disk.backing.path)) continue;
    seen.add(disk.backing.path);
    // A downloaded image is checked like any base image; vmforge fetches it again once it is deleted.
    images.push(
      disk.image
        ? { role: "base", path: disk.backing.path, format: disk.backing.format, keyPath: ["disk", disk.index, "image"], what: `the downloaded image of disk[${disk.index}] (${disk.image.name ?? disk.image.url})`, createdByVmforge: true }
        : { role: "base", path: disk.backing.path, format: disk.backing.format, keyPath: ["disk", disk.index, "backing"], what: `the base image of disk[${disk.index}]`, createdByVmforge: false },
    );
  }
  return images;
}

export function infoArguments(image: ExistingImage): string[] {
  return ["info", "--output=json", "-f", image.format, "--", image.path];
}

export function checkArguments(image: ExistingImage): string[] {
  return ["check", "--output=json", "-f", "qcow2", "--", image.path];
}

/** `qemu-img info --output=json -f FORMAT`: it must open as that format and hold at least a sector. */
export function judgeInfo(image: ExistingImage, result: RunResult): ImageVerdict {
  if (result.exitCode !== 0) return notOpened(image.format, result, "info");
  let size: unknown;
  try {
    size = (JSON.parse(result.stdout) as { "virtual-size"?: unknown })["virtual-size"];
  } catch {
    return { ok: false, received: "an image qemu-img describes in a way vmforge cannot read", detail: "qemu-img info printed no JSON" };
  }
  if (typeof size !== "number") return { ok: false, received: "an image without a size", detail: "qemu-img info gave no virtual-size" };
  if (size === 0) return { ok: false, received: `an empty ${image.format} image (0 bytes)`, detail: "the image holds no data at all" };
  if (size < SECTOR) return { ok: false, received: `a ${image.format} image of ${size} bytes`, detail: "the image is smaller than one 512-byte sector" };
  return { ok: true };
}

/** `qemu-img check` of a qcow2: 0 clean, 3 leaked clusters only (harmless); anything else is damage. */
export function judgeCheck(result: RunResult): ImageVerdict {
  const report = parseCheck(result.stdout);
  if (result.exitCode === 0) return { ok: true };
  if (result.exitCode === 3) return { ok: true, note: `${report.leaks ?? "some"} leaked cluster(s) (space only; \`qemu-img check -r leaks\` frees them)` };
  if (result.exitCode === 2) {
    return { ok: false, received: `a damaged qcow2 image (${report.corruptions ?? "some"} corruption(s))`, detail: "qemu-img check found corruptions" };
  }
  const unopened = notOpened("qcow2", result, "check");
  if (unopened.ok === false && unopened.fix) return unopened;
  return { ok: false, received: "a qcow2 image qemu-img cannot check", detail: lastLine(result.stderr) || `qemu-img check exited with ${result.exitCode}` };
}

/** qemu-img could not open the image: locked by a running VM, not readable, or not an image of that format. */
function notOpened(format: ExistingImage["format"], result: RunResult, command: string): ImageVerdict {
  const detail = lastLine(result.stderr) || `qemu-img ${command} exited with ${result.exitCode}`;
  if (/lock/i.test(result.stderr)) {
    return { ok: false, received: "an image another program holds open (a running VM?)", detail, fix: "Stop the VM or program that uses it, then run the command again." };
  }
  if (/permission denied/i.test(result.stderr)) {
    return { ok: false, received: "an image vmforge may not read", detail, fix: "Make the image readable for the user running vmforge (or run as that image's owner)." };
  }
  return { ok: false, received: `a file qemu-img cannot open as ${format}`, detail };
}

function parseCheck(stdout: string): { corruptions?: number; leaks?: number } {
  try {
    return JSON.parse(stdout) as { corruptions?: number; leaks?: number };
  } catch {
    return {};
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.replace(/^qemu-img: /, "") ?? "";
}
