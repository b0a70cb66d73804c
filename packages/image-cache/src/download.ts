import { createHash, type Hash } from "node:crypto";
import { chmod, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { constants } from "node:fs";
import { interruptedError, stopSignalOf, syncFolder, writeFileAtomic } from "@vmforge/kernel";
import { dirname, join } from "node:path";
import { FILE_MODE, ImageCache } from "./cache-folder.js";
import type { Checksum } from "./checksum-file.js";
import { fetchChecksum } from "./checksums-fetch.js";
import { imageError, shownUrl } from "./errors.js";
import { ConnectionLost, get } from "./http-get.js";
import type { ImageSource } from "./image-source.js";
import { ProgressMeter, type ProgressListener } from "./progress.js";

export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 ** 3;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface FetchImageOptions {
  cache: ImageCache;
  /** Ctrl-C: the download stops, its partial file is kept for the next run. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Larger images are refused (default 64 GiB). */
  maxBytes?: number;
  /** Further tries, each resuming with Range, after a dropped connection (default 3). */
  retries?: number;
  idleTimeoutMs?: number;
}

export interface FetchedImage {
  /** The verified image in the cache. */
  path: string;
  /** It was there already; nothing was requested. */
  cached: boolean;
  bytes: number;
  /** Verified against (absent for a cache hit). */
  checksum?: Checksum;
}

/**
 * The image of `source` in the cache, downloaded when missing: the checksum (given, or read from
 * the checksum file) is checked before the file is renamed into the cache, so the cache holds
 * only verified images. A failed download leaves nothing behind; an interrupted one keeps its
 * partial file, which the next run resumes with a Range request.
 */
export async function fetchImage(source: ImageSource, options: FetchImageOptions): Promise<FetchedImage> {
  const { cache } = options;
  const found = await cache.lookup(source);
  if (found) return { path: found, cached: true, bytes: (await stat(found)).size };
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let checksum: Checksum;
  try {
    checksum = source.checksum ?? (await fetchChecksum(source.checksumsUrl!, source.fileName, { ...(options.signal ? { signal: options.signal } : {}), idleTimeoutMs }));
  } catch (error) {
    if (options.signal?.aborted) throw interruptedError(stopSignalOf(options.signal) ?? "SIGINT", `while fetching the checksum file ${shownUrl(source.checksumsUrl ?? source.url)}`, error);
    throw error;
  }
  const partial = await cache.preparePartial(source);
  const release = await cache.lock(source);
  try {
    // Another run may have finished it while this one waited for the checksum file.
    const done = await cache.lookup(source);
    if (done) return { path: done, cached: true, bytes: (await stat(done)).size };
    const bytes = await download(new URL(source.url), partial, checksum, { ...options, idleTimeoutMs });
    const path = await cache.prepareEntry(source);
    await writeFileAtomic(join(dirname(path), "source.json"), `${JSON.stringify({ url: source.url, ...(source.name ? { name: source.name } : {}), ...(source.checksumsUrl ? { checksumsUrl: source.checksumsUrl } : {}), [checksum.algorithm]: checksum.hex, bytes, fetched: new Date().toISOString() }, null, 2)}\n`, { mode: FILE_MODE });
    await rename(partial, path);
    await syncFolder(dirname(path)).catch(() => undefined);
    return { path, cached: false, bytes, checksum };
  } finally {
    await release();
  }
}

interface Attempt {
  /** Bytes in the partial file. */
  offset: number;
  hash: Hash;
  algorithm: Checksum["algorithm"];
}

async function download(url: URL, partial: string, checksum: Checksum, options: FetchImageOptions & { idleTimeoutMs: number }): Promise<number> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const retries = options.retries ?? DEFAULT_RETRIES;
  const meter = new ProgressMeter(options.onProgress);
  let state = await resumeState(partial, checksum);
  let lastFault: unknown;
  let everAnswered = false;
  try {
    for (let attempt = 0; attempt <= retries; attempt++) {
      options.signal?.throwIfAborted();
      let result: "complete" | "restart" | "dropped";
      try {
        result = await fetchOnce(url, partial, state, { maxBytes, meter, signal: options.signal, idleTimeoutMs: options.idleTimeoutMs, onAnswer: () => (everAnswered = true) });
      } catch (error) {
        if (!(error instanceof ConnectionLost)) throw error;
        lastFault = error;
        result = "dropped";
      }
      if (result === "complete") break;
      if (result === "restart") state = { offset: 0, hash: createHash(checksum.algorithm), algorithm: checksum.algorithm };
      else state = await resumeState(partial, checksum);
      if (attempt === retries) {
        if (!everAnswered) {
          throw imageError("E_IMAGE_NETWORK", `Could not reach ${shownUrl(url)}: ${(lastFault as Error)?.message ?? "no answer"}.`, "The image's server did not answer.", "Check the network connection (and a proxy), then run the command again.", lastFault);
        }
        throw imageError(
          "E_IMAGE_TRUNCATED",
          `The download of ${shownUrl(url)} broke off ${retries + 1} times (at ${state.offset} bytes); it was given up and nothing was kept.`,
          "The connection dropped before the whole image came, and resuming it did not get further.",
          "Check the network connection, then run the command again.",
          lastFault,
        );
      }
    }
    const digest = state.hash.digest("hex");
    if (digest !== checksum.hex) {
      throw imageError(
        "E_IMAGE_CHECKSUM",
        `The image downloaded from ${shownUrl(url)} does not match its ${checksum.algorithm}: expected ${checksum.hex}, got ${digest}. It was deleted.`,
        "An image is used only once its checksum matches: a corrupt or tampered download never reaches a VM.",
        "Check the checksum (or that the checksum file belongs to this image), then run the command again; if it fails again, the server serves another file than the checksum describes.",
      );
    }
    return state.offset;
  } catch (error) {
    if (options.signal?.aborted) {
      const signal = stopSignalOf(options.signal) ?? "SIGINT";
      throw interruptedError(signal, `while downloading ${shownUrl(url)}; the part downloaded is kept and resumed by the next run`, error);
    }
    await rm(partial, { force: true });
    throw error;
  }
}

/** The partial file's length and its hash so far (read back from disk: a resumed download is hashed whole). */
async function resumeState(partial: string, checksum: Checksum): Promise<Attempt> {
  const hash = createHash(checksum.algorithm);
  let offset = 0;
  try {
    const handle = await open(partial, constants.O_RDONLY | constants.O_NOFOLLOW);
    for await (const chunk of handle.createReadStream() as AsyncIterable<Buffer>) {
      hash.update(chunk);
      offset += chunk.length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return { offset: 0, hash: createHash(checksum.algorithm), algorithm: checksum.algorithm };
  }
  return { offset, hash, algorithm: checksum.algorithm };
}

interface OnceOptions {
  maxBytes: number;
  meter: ProgressMeter;
  signal: AbortSignal | undefined;
  idleTimeoutMs: number;
  onAnswer: () => void;
}

/** One request: "complete" when the whole image is in the partial file, "restart" when the server ignored Range badly, "dropped" when the body broke off. */
async function fetchOnce(url: URL, partial: string, state: Attempt, options: OnceOptions): Promise<"complete" | "restart" | "dropped"> {
  const headers = state.offset > 0 ? { range: `bytes=${state.offset}-` } : {};
  const response = await get(url, { headers, ...(options.signal ? { signal: options.signal } : {}), idleTimeoutMs: options.idleTimeoutMs });
  options.onAnswer();
  const { message, status } = response;
  let append: boolean;
  let total: number | undefined;
  const length = contentLength(message.headers["content-length"]);
  if (status === 206 && state.offset > 0) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(message.headers["content-range"] ?? ""));
    if (!range || Number(range[1]) !== state.offset) {
      message.destroy();
      return "restart";
    }
    append = true;
    total = range[3] === "*" ? (length === undefined ? undefined : state.offset + length) : Number(range[3]);
  } else if (status === 200) {
    append = false;
    total = length;
    state.offset = 0;
    state.hash = createHash(state.algorithm);
  } else if (status === 416 && state.offset > 0) {
    message.resume();
    return "restart";
  } else {
    message.resume();
    throw imageError(
      "E_IMAGE_HTTP",
      `${shownUrl(response.url)} answered HTTP ${status}${message.statusMessage ? ` ${message.statusMessage}` : ""}.`,
      status === 404 || status === 410 ? "There is no file at that URL (any more)." : "The server did not give the image.",
      status === 404 || status === 410 ? "Check the URL; a publisher may have moved an image (for a catalogue image, give its new https:// URL with sha256)." : "Try again later, or check the URL.",
    );
  }
  if (total !== undefined && total > options.maxBytes) {
    message.destroy();
    throw tooLarge(url, total, options.maxBytes);
  }
  const handle = await openPartial(partial, append);
  const expectedEnd = total;
  try {
    for await (const chunk of message as AsyncIterable<Buffer>) {
      if (state.offset + chunk.length > options.maxBytes || (expectedEnd !== undefined && state.offset + chunk.length > expectedEnd)) {
        message.destroy();
        throw tooLarge(url, state.offset + chunk.length, expectedEnd ?? options.maxBytes);
      }
      state.hash.update(chunk);
      await handle.write(chunk);
      state.offset += chunk.length;
      options.meter.update(state.offset, total);
    }
  } catch (error) {
    if (options.signal?.aborted || !isDrop(error)) throw error;
    return "dropped";
  } finally {
    await handle.close();
  }
  options.meter.update(state.offset, total, true);
  if (expectedEnd !== undefined && state.offset < expectedEnd) return "dropped";
  return "complete";
}

async function openPartial(path: string, append: boolean): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (append ? constants.O_APPEND : constants.O_TRUNC);
  const handle = await open(path, flags, FILE_MODE);
  const stats = await handle.stat();
  if (!stats.isFile() || stats.nlink > 1) {
    await handle.close();
    throw imageError("E_IMAGE_CACHE_UNSAFE", `vmforge does not write ${path}: it is not a plain file of its own.`, "A partial download is a file vmforge made in its cache.", `Remove ${path}, then run the command again.`);
  }
  await chmod(path, FILE_MODE);
  return handle;
}

function isDrop(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return error instanceof ConnectionLost || code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || (error as Error)?.message === "aborted" || /no answer for/.test((error as Error)?.message ?? "");
}

function contentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  return Number(value);
}

function tooLarge(url: URL, bytes: number, limit: number) {
  return imageError(
    "E_IMAGE_TOO_LARGE",
    `${shownUrl(url)} is larger than ${limit} bytes (${bytes} bytes${bytes === limit ? "" : " or more"}); it was not kept.`,
    "vmforge downloads base images up to a fixed size, and never more than the server announced.",
    "Check that the URL names a disk image (not a stream or an installer tree).",
  );
}
