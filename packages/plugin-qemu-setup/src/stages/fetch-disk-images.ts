import { stat } from "node:fs/promises";
import { ExitCode, VmforgeError, isVmforgeError, type StageContext } from "@vmforge/kernel";
import { fetchImage, ImageCache, probeImageSize, resolveImageSpec, shownUrl, type ImageProbe, type ImageSource } from "@vmforge/image-cache";
import { locatedProblem } from "../config-problems.js";
import { inspectImage } from "../disk-format-detection.js";
import { userVmRequestKey, vmDefinitionKey, type UserVmRequest, type VmDisk } from "../contract.js";
import { requestProblemContext } from "../request-context.js";
import { fetchedImagesKey, type FetchedImages } from "../working-keys.js";

/** A plan asks the server for the size, but waits no longer than this. */
export const PLAN_PROBE_TIMEOUT_MS = 5000;

/** `VMFORGE_OFFLINE=1`: no request leaves the machine (an air-gapped host, a hermetic test run); cached images still work. */
export function isOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.VMFORGE_OFFLINE;
  return value !== undefined && value !== "" && value !== "0";
}

/**
 * The `[[disk]] image` base images: a cached one is used as it is; a missing one is downloaded
 * (apply), verified and put in the cache, with progress in bytes. A plan never downloads: it says
 * what it would fetch, from where, and how much (a HEAD request, best effort).
 */
export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const request = ctx.get(userVmRequestKey);
  const cache = new ImageCache(ctx.storage.userCachePath("images"));
  const fetched: FetchedImages = [];
  const seen = new Set<string>();
  for (const disk of definition.disks) {
    if (!disk.image || seen.has(disk.image.cachePath)) continue;
    seen.add(disk.image.cachePath);
    const source = sourceOf(request, disk);
    const label = disk.image.name ?? source.fileName;
    const where = `disk[${disk.index}]`;
    const cached = await located(request, disk, () => cache.lookup(source));
    if (cached) {
      ctx.ui.info(`${where}: ${label} is cached (${cached}); nothing to download.`);
      await shareWithHost(ctx, cached, where, label);
      fetched.push({ disk: disk.index, url: source.url, path: cached, cached: true, downloaded: false, bytes: null });
      continue;
    }
    const description = `${where}'s base image ${label}, verified against ${checkedAgainst(source)}`;
    if (isOffline() && !ctx.isDryRun()) {
      const problem = locatedProblem(requestProblemContext(request), ["disk", disk.index, "image"], {
        code: "E_IMAGE_OFFLINE",
        message: `${label} is not in the cache and VMFORGE_OFFLINE forbids downloading it`,
        fix: "Run once without VMFORGE_OFFLINE (or on a machine that can download it and copy the cache folder over).",
      });
      throw new VmforgeError("E_IMAGE_OFFLINE", `disk[${disk.index}]: ${problem.message}.`, { exitCode: ExitCode.usage, why: `It would be downloaded into ${disk.image.cachePath}.`, fix: problem.fix, problems: [problem] });
    }
    if (ctx.isDryRun()) {
      const probe: ImageProbe = isOffline() ? { unknown: "not asked (VMFORGE_OFFLINE)" } : await probeImageSize(source.url, { timeoutMs: PLAN_PROBE_TIMEOUT_MS, signal: ctx.signal });
      await ctx.effects.download({ url: source.url, path: disk.image.cachePath, ...(probe.bytes === undefined ? {} : { bytes: probe.bytes }), description }, async () => undefined);
      const size = probe.bytes === undefined ? `size unknown: ${probe.unknown}` : sizeText(probe.bytes);
      ctx.ui.info(`${where}: would download ${label} from ${shownUrl(source.url)} (${size}) into ${disk.image.cachePath}, verified against ${checkedAgainst(source)}.`);
      fetched.push({ disk: disk.index, url: source.url, path: disk.image.cachePath, cached: false, downloaded: false, bytes: probe.bytes ?? null });
      continue;
    }
    const result = await located(request, disk, () =>
      ctx.effects.download({ url: source.url, path: disk.image!.cachePath, description }, async (record) => {
        const image = await ctx.ui.progress(
          `qemu_setup:image:${disk.index}`,
          `Downloading ${label}`,
          (update) => fetchImage(source, { cache, signal: ctx.signal, onProgress: (p) => update(p.bytes, p.total, { rate: p.rate, ...(p.etaSeconds === undefined ? {} : { etaSeconds: p.etaSeconds }) }) }),
          undefined,
          { unit: "bytes" },
        );
        record.bytes = image.bytes;
        return image;
      }),
    );
    await checkFormat(request, disk, result!.path);
    await shareWithHost(ctx, result!.path, where, label);
    ctx.ui.info(`${where}: downloaded ${label} (${sizeText(result!.bytes)}), ${result!.checksum ? `${result!.checksum.algorithm} verified` : "verified"}: ${result!.path}.`);
    fetched.push({ disk: disk.index, url: source.url, path: result!.path, cached: false, downloaded: true, bytes: result!.bytes });
  }
  ctx.set(fetchedImagesKey, fetched);
}

/** `apply --host`: the image is downloaded and verified here, then copied to the same path there (unless already there). */
async function shareWithHost(ctx: StageContext, path: string, where: string, label: string): Promise<void> {
  if (ctx.effects.remote === undefined) return;
  const { size } = await stat(path);
  await ctx.effects.share(path, size, `${where}'s base image ${label}, copied from this machine's cache`);
}

function sourceOf(request: UserVmRequest, disk: VmDisk): ImageSource {
  const asked = request.disk[disk.index]!;
  const resolved = resolveImageSpec({ image: asked.image!, ...pickDefined({ sha256: asked.sha256, sha512: asked.sha512, checksums: asked.checksums }) });
  if (!resolved.ok) throw new VmforgeError("E_INTERNAL", `disk[${disk.index}]'s image was accepted by validation but does not resolve.`);
  return resolved.source;
}

/** The downloaded file must be what the overlay will say its backing file is. */
async function checkFormat(request: UserVmRequest, disk: VmDisk, path: string): Promise<void> {
  const { format } = await inspectImage(path);
  const declared = disk.backing?.format ?? "qcow2";
  if (format === declared) return;
  const found = format === "qcow2" ? "a qcow2 image" : "no qcow2 image (raw, or a format vmforge does not use)";
  const problem = locatedProblem(requestProblemContext(request), ["disk", disk.index, "image"], {
    code: "E_IMAGE_FORMAT",
    message: `the downloaded image ${path} is ${found}, but the overlay would name it ${declared}`,
    expected: `a ${declared} image`,
    received: found,
    fix: format === "qcow2" ? 'Remove backing_format (or set it to "qcow2").' : 'Set backing_format = "raw" beside image (or use a qcow2 image).',
  });
  throw new VmforgeError("E_IMAGE_FORMAT", `disk[${disk.index}]: ${problem.message}.`, { exitCode: ExitCode.usage, fix: problem.fix, problems: [problem] });
}

/** An image error names the disk and points at its `image` key. */
async function located<T>(request: UserVmRequest, disk: VmDisk, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isVmforgeError(error) || !error.code.startsWith("E_IMAGE_")) throw error;
    const problem = locatedProblem(requestProblemContext(request), ["disk", disk.index, "image"], { code: error.code, message: error.message, ...(error.fix ? { fix: error.fix } : {}) });
    throw new VmforgeError(error.code, `disk[${disk.index}]: ${error.message}`, {
      exitCode: error.exitCode,
      ...(error.why ? { why: error.why } : {}),
      ...(error.fix ? { fix: error.fix } : {}),
      problems: [problem],
      cause: error,
    });
  }
}

function checkedAgainst(source: ImageSource): string {
  return source.checksum ? `its ${source.checksum.algorithm} ${source.checksum.hex.slice(0, 16)}…` : `the checksum file ${shownUrl(source.checksumsUrl!)}`;
}

function sizeText(bytes: number): string {
  const units = [
    [1024 ** 3, "GiB"],
    [1024 ** 2, "MiB"],
    [1024, "KiB"],
  ] as const;
  const unit = units.find(([size]) => bytes >= size);
  return unit ? `${(bytes / unit[0]).toFixed(1)} ${unit[1]} (${bytes} bytes)` : `${bytes} bytes`;
}

function pickDefined<T extends Record<string, string | undefined>>(value: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}
