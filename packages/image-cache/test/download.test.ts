import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fetchImage, ImageCache, probeImageSize, resolveImageSpec, type DownloadProgress, type ImageSource, type ImageSpec } from "../src/index.js";
import { filesIn, imageBytes, serveBytes, serveCut, sha256, sha512, startImageServer, type ImageServer } from "./support/image-server.js";

const IMAGE = imageBytes(300_000);

let server: ImageServer;
let home: string;
let cache: ImageCache;

beforeEach(async () => {
  server = await startImageServer();
  home = await mkdtemp(join(tmpdir(), "vmforge-image-cache-"));
  cache = new ImageCache(join(home, "cache", "vmforge", "images"));
  server.route("/guest.qcow2", serveBytes(IMAGE));
  server.route("/SHA256SUMS", (_request, response) => void response.end(`${sha256(imageBytes(10))}  other.qcow2\n${sha256(IMAGE)}  guest.qcow2\n`));
});

afterEach(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

function sourceOf(spec: ImageSpec): ImageSource {
  const resolved = resolveImageSpec(spec);
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
  return resolved.source;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; exitCode: number; message: string; fix?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; exitCode: number; message: string; fix?: string };
  }
  throw new Error("expected a failure");
}

const imageRequests = () => server.requests.filter((request) => request.path === "/guest.qcow2");

describe("fetchImage", () => {
  it("downloads, verifies against the checksum file and caches the image 0644; a second run requests nothing", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), checksums: server.url("/SHA256SUMS") });
    const progress: DownloadProgress[] = [];
    const first = await fetchImage(source, { cache, onProgress: (update) => progress.push(update) });
    expect(first).toMatchObject({ cached: false, bytes: IMAGE.length, checksum: { algorithm: "sha256", hex: sha256(IMAGE) } });
    expect(first.path).toBe(cache.entryPath(source));
    expect(sha256(await readFile(first.path))).toBe(sha256(IMAGE));
    expect((await stat(first.path)).mode & 0o777).toBe(0o644);
    expect(progress.at(-1)).toMatchObject({ bytes: IMAGE.length, total: IMAGE.length });
    expect(progress.every((update) => update.rate >= 0)).toBe(true);
    expect(await filesIn(cache.root)).toEqual([`${cache.keyOf(source)}/guest.qcow2`, `${cache.keyOf(source)}/source.json`]);
    const requestsBefore = server.requests.length;
    const second = await fetchImage(source, { cache });
    expect(second).toMatchObject({ cached: true, path: first.path, bytes: IMAGE.length });
    expect(server.requests.length).toBe(requestsBefore);
  });

  it("verifies a given sha512 without any checksum file", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), sha512: sha512(IMAGE) });
    await fetchImage(source, { cache });
    expect(server.requests.map((request) => request.path)).toEqual(["/guest.qcow2"]);
  });

  it("resumes a partial download with Range and verifies the whole image", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), sha256: sha256(IMAGE) });
    await mkdir(join(cache.root, "partial"), { recursive: true });
    await writeFile(cache.partialPath(source), IMAGE.subarray(0, 100_000));
    const fetched = await fetchImage(source, { cache });
    expect(imageRequests()).toEqual([{ method: "GET", path: "/guest.qcow2", range: "bytes=100000-" }]);
    expect(sha256(await readFile(fetched.path))).toBe(sha256(IMAGE));
    expect(await filesIn(join(cache.root, "partial"))).toEqual([]);
  });

  it("starts over when the server ignores Range (200), and when the partial is longer than the image (416)", async () => {
    server.route("/plain.qcow2", serveBytes(IMAGE, { ranges: false }));
    const source = sourceOf({ image: server.url("/plain.qcow2"), sha256: sha256(IMAGE) });
    await mkdir(join(cache.root, "partial"), { recursive: true });
    await writeFile(cache.partialPath(source), Buffer.from("garbage that is not the image's start"));
    expect(sha256(await readFile((await fetchImage(source, { cache })).path))).toBe(sha256(IMAGE));

    const other = sourceOf({ image: server.url("/guest.qcow2"), sha256: sha256(IMAGE) });
    await writeFile(cache.partialPath(other), Buffer.concat([IMAGE, Buffer.from("more")]));
    expect(sha256(await readFile((await fetchImage(other, { cache })).path))).toBe(sha256(IMAGE));
    expect(imageRequests().map((request) => request.range)).toEqual([`bytes=${IMAGE.length + 4}-`, undefined]);
  });

  it("retries a dropped connection with Range and completes", async () => {
    let calls = 0;
    const cut = serveCut(IMAGE, 120_000);
    const whole = serveBytes(IMAGE);
    server.route("/flaky.qcow2", (request, response) => (++calls === 1 ? cut(request, response) : whole(request, response)));
    const source = sourceOf({ image: server.url("/flaky.qcow2"), sha256: sha256(IMAGE) });
    const fetched = await fetchImage(source, { cache });
    expect(sha256(await readFile(fetched.path))).toBe(sha256(IMAGE));
    const ranges = server.requests.filter((request) => request.path === "/flaky.qcow2").map((request) => request.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
  });

  it("gives up a download that keeps breaking off with E_IMAGE_TRUNCATED and leaves no file in the cache", async () => {
    server.route("/cut.qcow2", serveCut(IMAGE, 50_000));
    const source = sourceOf({ image: server.url("/cut.qcow2"), sha256: sha256(IMAGE) });
    const error = await failure(fetchImage(source, { cache, retries: 2 }));
    expect(error).toMatchObject({ code: "E_IMAGE_TRUNCATED", exitCode: 2 });
    expect(server.requests.filter((request) => request.path === "/cut.qcow2")).toHaveLength(3);
    expect(await filesIn(cache.root)).toEqual([]);
  });

  it("refuses an image whose checksum does not match (E_IMAGE_CHECKSUM) and leaves no file in the cache", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), sha256: sha256(imageBytes(5)) });
    const error = await failure(fetchImage(source, { cache }));
    expect(error).toMatchObject({ code: "E_IMAGE_CHECKSUM", exitCode: 2 });
    expect(error.message).toContain(sha256(IMAGE));
    expect(await filesIn(cache.root)).toEqual([]);
  });

  it("says E_IMAGE_HTTP for a 404 of the image or of the checksum file, and leaves no file in the cache", async () => {
    const missing = await failure(fetchImage(sourceOf({ image: server.url("/gone.qcow2"), sha256: sha256(IMAGE) }), { cache }));
    expect(missing).toMatchObject({ code: "E_IMAGE_HTTP", exitCode: 2, message: expect.stringContaining("HTTP 404") });
    const noSums = await failure(fetchImage(sourceOf({ image: server.url("/guest.qcow2"), checksums: server.url("/NOSUMS") }), { cache }));
    expect(noSums).toMatchObject({ code: "E_IMAGE_HTTP", message: expect.stringContaining("checksum file") });
    expect(await filesIn(cache.root)).toEqual([]);
  });

  it("says E_IMAGE_CHECKSUM_MISSING when the checksum file does not list the image", async () => {
    server.route("/OTHERSUMS", (_request, response) => void response.end(`${sha256(IMAGE)}  not-the-guest.qcow2\n`));
    const error = await failure(fetchImage(sourceOf({ image: server.url("/guest.qcow2"), checksums: server.url("/OTHERSUMS") }), { cache }));
    expect(error).toMatchObject({ code: "E_IMAGE_CHECKSUM_MISSING", exitCode: 2 });
    expect(imageRequests()).toEqual([]);
  });

  it("reads at most 1 MiB of a checksum file", async () => {
    server.route("/HUGESUMS", (_request, response) => {
      response.writeHead(200);
      response.end(Buffer.alloc(2 * 1024 * 1024, 0x61));
    });
    const error = await failure(fetchImage(sourceOf({ image: server.url("/guest.qcow2"), checksums: server.url("/HUGESUMS") }), { cache }));
    expect(error).toMatchObject({ code: "E_IMAGE_HTTP", message: expect.stringContaining("1 MiB") });
  });

  it("says E_IMAGE_NETWORK when nothing answers", async () => {
    const port = server.port;
    await server.close();
    const error = await failure(fetchImage(sourceOf({ image: `http://127.0.0.1:${port}/guest.qcow2`, sha256: sha256(IMAGE) }), { cache, retries: 1 }));
    expect(error).toMatchObject({ code: "E_IMAGE_NETWORK", exitCode: 2 });
    expect(await filesIn(cache.root)).toEqual([]);
    server = await startImageServer();
  });

  it("follows redirects, a bounded number of them, and never from https down to http", async () => {
    server.route("/latest/guest.qcow2", (_request, response) => void response.writeHead(302, { location: "/guest.qcow2" }).end());
    const fetched = await fetchImage(sourceOf({ image: server.url("/latest/guest.qcow2"), sha256: sha256(IMAGE) }), { cache });
    expect(sha256(await readFile(fetched.path))).toBe(sha256(IMAGE));
    server.route("/loop", (_request, response) => void response.writeHead(301, { location: "/loop" }).end());
    const loop = await failure(fetchImage(sourceOf({ image: server.url("/loop"), sha256: sha256(IMAGE) }), { cache }));
    expect(loop).toMatchObject({ code: "E_IMAGE_HTTP", message: expect.stringContaining("redirects more than") });
    server.route("/elsewhere", (_request, response) => void response.writeHead(302, { location: "file:///etc/passwd" }).end());
    expect(await failure(fetchImage(sourceOf({ image: server.url("/elsewhere"), sha256: sha256(IMAGE) }), { cache }))).toMatchObject({ code: "E_IMAGE_HTTP" });
  });

  it("refuses an announced length above the cap before reading, and a body longer than the cap without a length", async () => {
    server.route("/huge.qcow2", (_request, response) => {
      response.writeHead(200, { "content-length": String(100 * 1024 ** 4) });
      response.write(IMAGE.subarray(0, 1000));
    });
    const huge = await failure(fetchImage(sourceOf({ image: server.url("/huge.qcow2"), sha256: sha256(IMAGE) }), { cache }));
    expect(huge).toMatchObject({ code: "E_IMAGE_TOO_LARGE", exitCode: 2 });
    server.route("/stream.qcow2", serveBytes(IMAGE, { chunked: true }));
    const capped = await failure(fetchImage(sourceOf({ image: server.url("/stream.qcow2"), sha256: sha256(IMAGE) }), { cache, maxBytes: 100_000 }));
    expect(capped).toMatchObject({ code: "E_IMAGE_TOO_LARGE" });
    expect(await filesIn(cache.root)).toEqual([]);
  });

  it("takes an image sent without a length (chunked), verified by its checksum", async () => {
    server.route("/stream.qcow2", serveBytes(IMAGE, { chunked: true }));
    const progress: DownloadProgress[] = [];
    const fetched = await fetchImage(sourceOf({ image: server.url("/stream.qcow2"), sha256: sha256(IMAGE) }), { cache, onProgress: (update) => progress.push(update) });
    expect(sha256(await readFile(fetched.path))).toBe(sha256(IMAGE));
    expect(progress.at(-1)).toEqual(expect.objectContaining({ bytes: IMAGE.length }));
    expect(progress.at(-1)?.total).toBeUndefined();
  });

  it("keeps the partial file when interrupted, and the next run resumes it", async () => {
    server.route("/slow.qcow2", (request, response) => {
      if (request.headers.range) return serveBytes(IMAGE)(request, response);
      response.writeHead(200, { "content-length": IMAGE.length });
      response.write(IMAGE.subarray(0, 64_000));
    });
    const source = sourceOf({ image: server.url("/slow.qcow2"), sha256: sha256(IMAGE) });
    const controller = new AbortController();
    const error = await failure(fetchImage(source, { cache, signal: controller.signal, onProgress: (update) => update.bytes >= 64_000 && controller.abort("SIGINT") }));
    expect(error).toMatchObject({ code: "E_INTERRUPTED" });
    expect((await stat(cache.partialPath(source))).size).toBe(64_000);
    expect(await cache.lookup(source)).toBeUndefined();
    const fetched = await fetchImage(source, { cache });
    expect(sha256(await readFile(fetched.path))).toBe(sha256(IMAGE));
    expect(server.requests.filter((request) => request.path === "/slow.qcow2").at(-1)?.range).toBe("bytes=64000-");
  });

  it("refuses a cache entry folder symlinked elsewhere, and a symlinked cache root", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), sha256: sha256(IMAGE) });
    const elsewhere = join(home, "elsewhere");
    await mkdir(elsewhere, { recursive: true });
    await writeFile(join(elsewhere, "guest.qcow2"), IMAGE);
    await mkdir(cache.root, { recursive: true });
    await symlink(elsewhere, join(cache.root, cache.keyOf(source)));
    expect(await failure(fetchImage(source, { cache }))).toMatchObject({ code: "E_IMAGE_CACHE_UNSAFE", exitCode: 2 });
    expect(imageRequests()).toEqual([]);

    const linkedRoot = new ImageCache(join(home, "linked", "vmforge", "images"));
    await mkdir(join(home, "linked", "vmforge"), { recursive: true });
    await symlink(elsewhere, linkedRoot.root);
    expect(await failure(fetchImage(source, { cache: linkedRoot }))).toMatchObject({ code: "E_IMAGE_CACHE_UNSAFE" });
    expect(await filesIn(elsewhere)).toEqual(["guest.qcow2"]);
  });

  it("refuses a partial file that is a symlink (nothing written through it)", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), sha256: sha256(IMAGE) });
    await mkdir(join(cache.root, "partial"), { recursive: true });
    const target = join(home, "victim");
    await writeFile(target, "keep me");
    await symlink(target, cache.partialPath(source));
    expect(await failure(fetchImage(source, { cache }))).toMatchObject({ code: "E_IMAGE_CACHE_UNSAFE" });
    expect(await readFile(target, "utf8")).toBe("keep me");
  });
});

describe("probeImageSize", () => {
  it("tells the size from a HEAD request, and why it is unknown otherwise", async () => {
    expect(await probeImageSize(server.url("/guest.qcow2"))).toEqual({ bytes: IMAGE.length });
    expect(server.requests.at(-1)?.method).toBe("HEAD");
    expect(await probeImageSize(server.url("/missing"))).toEqual({ unknown: "HTTP 404" });
    server.route("/nohead.qcow2", (request, response) => (request.method === "HEAD" ? void response.writeHead(405).end() : serveBytes(IMAGE)(request, response)));
    server.route("/range.qcow2", (request, response) => {
      if (request.headers.range !== "bytes=0-0") return void response.writeHead(200, { "transfer-encoding": "chunked" }).end();
      response.writeHead(206, { "content-range": `bytes 0-0/${IMAGE.length}`, "content-length": 1 }).end(IMAGE.subarray(0, 1));
    });
    expect(await probeImageSize(server.url("/nohead.qcow2"))).toEqual({ bytes: IMAGE.length });
    expect(await probeImageSize(server.url("/range.qcow2"))).toEqual({ bytes: IMAGE.length });
    server.route("/nolength", (_request, response) => void response.writeHead(200, { "transfer-encoding": "chunked" }).end("x"));
    expect(await probeImageSize(server.url("/nolength"))).toEqual({ unknown: "the server gives no length" });
    const port = server.port;
    await server.close();
    expect((await probeImageSize(`http://127.0.0.1:${port}/guest.qcow2`, { timeoutMs: 2000 })).unknown).toBeTruthy();
    server = await startImageServer();
  });
});

describe("one download of an image at a time", () => {
  beforeEach(async () => {
    server = await startImageServer();
    home = await mkdtemp(join(tmpdir(), "vmforge-image-lock-"));
    cache = new ImageCache(join(home, "cache", "vmforge", "images"));
    server.route("/guest.qcow2", serveBytes(IMAGE));
  });

  it("refuses while a live process holds the lock (E_IMAGE_BUSY, exit 75), takes over a dead one's, and releases it", async () => {
    const source = sourceOf({ image: server.url("/guest.qcow2"), sha256: sha256(IMAGE) });
    await cache.preparePartial(source);
    const lock = join(cache.root, "partial", `${cache.keyOf(source)}.lock`);
    await writeFile(lock, `${process.ppid}\n`);
    expect(await failure(fetchImage(source, { cache }))).toMatchObject({ code: "E_IMAGE_BUSY", exitCode: 75 });
    expect(imageRequests()).toEqual([]);
    await writeFile(lock, "2147483646\n");
    expect((await fetchImage(source, { cache })).cached).toBe(false);
    expect(await filesIn(join(cache.root, "partial"))).toEqual([]);
  });
});

describe("an interruption while the checksum file is read", () => {
  beforeEach(async () => {
    server = await startImageServer();
    home = await mkdtemp(join(tmpdir(), "vmforge-image-stop-"));
    cache = new ImageCache(join(home, "cache", "vmforge", "images"));
  });

  it("is E_INTERRUPTED, and nothing is in the cache", async () => {
    const controller = new AbortController();
    server.route("/SLOWSUMS", () => controller.abort("SIGTERM"));
    const error = await failure(fetchImage(sourceOf({ image: server.url("/guest.qcow2"), checksums: server.url("/SLOWSUMS") }), { cache, signal: controller.signal }));
    expect(error).toMatchObject({ code: "E_INTERRUPTED", exitCode: 143 });
    expect(await filesIn(cache.root)).toEqual([]);
  });
});
