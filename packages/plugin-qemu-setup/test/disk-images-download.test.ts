import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeWhen, tool } from "@vmforge/test-support";
import { vmDefinitionKey } from "../src/contract.js";
import { fakeEnvironment } from "./support/environment.js";
import { sha256, startImageServer, type ImageServer } from "@vmforge/test-support";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";
import { tempDir, tomlFile } from "./support/temp.js";
import { listTree } from "./support/tree.js";

const environment = fakeEnvironment();
/** Not a disk image, but plans and failed downloads never get to qemu-img. */
const BYTES = Buffer.from("vmforge test image ".repeat(4000));

let server: ImageServer;
let cacheHome: string;

beforeEach(async () => {
  // The project runs offline (vitest.config.ts); these tests download from 127.0.0.1 on purpose.
  delete process.env.VMFORGE_OFFLINE;
  server = await startImageServer();
  cacheHome = await tempDir("vmforge-qemu-cache-");
});
afterEach(() => {
  process.env.VMFORGE_OFFLINE = "1";
  return server.close();
});

const filesIn = async (root: string) => Object.keys(await listTree(root)).filter((name) => !name.endsWith("/"));
const imageRequests = () => server.requests.filter((request) => request.path === "/guest.qcow2");

function request(disk: string, name = "img-1"): Promise<string> {
  return tomlFile(`[vm]\nname = "${name}"\n\n[[disk]]\n${disk}\nbus = "virtio"\n`);
}

describe("[[disk]] image in a plan (dry run)", () => {
  it("downloads nothing, says from where and how much (a HEAD request), and records a planned download", async () => {
    server.serve("/guest.qcow2", BYTES);
    const config = await request(`image = "${server.url("/guest.qcow2")}"\nchecksums = "${server.url("/SHA256SUMS")}"`);
    const { kernel, report } = await runPipeline(config, { environment, dryRun: true, env: { XDG_CACHE_HOME: cacheHome } });
    expect(server.requests).toEqual([{ method: "HEAD", path: "/guest.qcow2" }]);
    expect(await filesIn(cacheHome)).toEqual([]);
    const definition = kernel.session.get(vmDefinitionKey)!;
    const disk = definition.disks[0]!;
    expect(disk.image).toEqual({ name: null, url: server.url("/guest.qcow2"), checksum: null, checksumsUrl: server.url("/SHA256SUMS"), cachePath: expect.stringMatching(new RegExp(`^${cacheHome}/vmforge/images/[0-9a-f]{64}/guest\\.qcow2$`)) });
    expect(disk).toMatchObject({ source: "backing", backing: { path: disk.image!.cachePath, format: "qcow2" }, sizeBytes: null });
    expect(report.effects).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "download", status: "planned", url: server.url("/guest.qcow2"), path: disk.image!.cachePath, bytes: BYTES.length })]));
    const said = kernel.ui.history().map((message) => ("text" in message ? message.text : ""));
    expect(said).toEqual(expect.arrayContaining([expect.stringMatching(/disk\[0\]: would download guest\.qcow2 from http:\/\/127\.0\.0\.1:\d+\/guest\.qcow2 \(74\.2 KiB \(76000 bytes\)\) into /)]));
    // The overlay's qemu-img create names the cached image as its backing file.
    const create = report.effects.find((effect) => effect.kind === "run" && effect.command?.[1] === "create");
    expect(create?.command).toEqual(expect.arrayContaining(["-b", disk.image!.cachePath, "-F", "qcow2"]));
  });

  it('says "size unknown" when the server cannot be reached, and still plans', async () => {
    const port = server.port;
    await server.close();
    const config = await request(`image = "http://127.0.0.1:${port}/guest.qcow2"\nsha256 = "${sha256(BYTES)}"\nsize = "2GiB"`);
    const { kernel, report } = await runPipeline(config, { environment, dryRun: true, env: { XDG_CACHE_HOME: cacheHome } });
    expect(kernel.ui.history().some((message) => "text" in message && /would download guest\.qcow2 .*\(size unknown: /.test(message.text))).toBe(true);
    expect(report.effects.find((effect) => effect.kind === "download")).not.toHaveProperty("bytes");
    expect(kernel.session.get(vmDefinitionKey)!.disks[0]!.sizeBytes).toBe(2 * 1024 ** 3);
    server = await startImageServer();
  });

  it("refuses bad image keys with located config errors, every one at once", async () => {
    const config = await tomlFile(
      [
        '[vm]\nname = "img-2"',
        '[[disk]]\nimage = "debian12"',
        `[[disk]]\nimage = "https://example.org/disk.qcow2"`,
        '[[disk]]\nimage = "file:///srv/base.qcow2"\nsha256 = "00"',
        '[[disk]]\nimage = "debian-12"\npath = "disk.qcow2"',
        '[[disk]]\nsize = "1GiB"\nsha256 = "abc"',
      ].join("\n"),
    );
    const error = await pipelineError(config, { environment, dryRun: true, env: { XDG_CACHE_HOME: cacheHome } });
    expect(error.exitCode).toBe(2);
    const problems = error.problems.map((problem) => `${problem.keyPath} @${problem.line}: ${problem.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^disk\[0\]\.image @4: .*not a known image.*Did you mean image = "debian-12"/),
        expect.stringMatching(/^disk\[1\]\.image @6: an image URL needs a checksum/),
        expect.stringMatching(/^disk\[2\]\.image @8: file URLs are not downloaded/),
        expect.stringMatching(/^disk\[3\]\.path @12: image and path exclude each other/),
        expect.stringMatching(/^disk\[4\]\.sha256 @15: sha256 only applies with image/),
      ]),
    );
    expect(problems).toHaveLength(6);
    expect(server.requests).toEqual([]);
    expect(await filesIn(cacheHome)).toEqual([]);
  });
});

describe("[[disk]] image in apply", () => {
  it("a bad checksum fails with E_IMAGE_CHECKSUM at the disk's image key; no overlay, nothing in the cache", async () => {
    server.serve("/guest.qcow2", BYTES);
    const config = await request(`image = "${server.url("/guest.qcow2")}"\nsha256 = "${sha256(Buffer.from("another image"))}"`);
    const outputDir = await tempDir();
    const dataHome = await tempDir();
    const error = await pipelineError(config, { environment, dryRun: false, outputDir, env: { XDG_CACHE_HOME: cacheHome, VMFORGE_DATA_HOME: dataHome } });
    expect(error).toMatchObject({ code: "E_IMAGE_CHECKSUM", exitCode: 2 });
    expect(error.message).toMatch(/^disk\[0\]: /);
    expect(error.problems[0]).toMatchObject({ keyPath: "disk[0].image", line: 5 });
    expect(await filesIn(cacheHome)).toEqual([]);
    expect([...(await filesIn(outputDir)), ...(await filesIn(dataHome))].filter((name) => name.includes("qcow2"))).toEqual([]);
  });

  it("a 404 fails with E_IMAGE_HTTP and leaves nothing in the cache", async () => {
    const config = await request(`image = "${server.url("/missing.qcow2")}"\nsha256 = "${sha256(BYTES)}"`);
    const error = await pipelineError(config, { environment, dryRun: false, env: { XDG_CACHE_HOME: cacheHome } });
    expect(error).toMatchObject({ code: "E_IMAGE_HTTP", exitCode: 2 });
    expect(await filesIn(cacheHome)).toEqual([]);
  });
});

describeWhen(tool("qemu-img", "qemu-utils"))("[[disk]] image with qemu-img", () => {
  it("apply downloads the image with progress in bytes and makes the overlay on the cached copy; a second run and a plan download nothing", async () => {
    const imageDir = await tempDir();
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", join(imageDir, "guest.qcow2"), "32M"]);
    const image = await readFile(join(imageDir, "guest.qcow2"));
    server.serve("/guest.qcow2", image);
    server.serve("/SHA256SUMS", `${sha256(Buffer.from("x"))}  other.qcow2\n${sha256(image)} *guest.qcow2\n`);
    const config = await request(`image = "${server.url("/guest.qcow2")}"\nchecksums = "${server.url("/SHA256SUMS")}"\nsize = "64MiB"`);
    const outputDir = await tempDir();
    const env = { XDG_CACHE_HOME: cacheHome };

    const first = await runPipeline(config, { environment, dryRun: false, outputDir, env });
    const disk = first.kernel.session.get(vmDefinitionKey)!.disks[0]!;
    const cached = disk.image!.cachePath;
    expect(await readFile(cached)).toSatisfy((bytes: Buffer) => bytes.equals(image));
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", disk.path], { encoding: "utf8" }));
    expect(info).toMatchObject({ format: "qcow2", "backing-filename": cached, "backing-filename-format": "qcow2", "virtual-size": 64 * 1024 ** 2 });
    expect(first.report.effects).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "download", status: "done", bytes: image.length, path: cached })]));
    const progress = first.kernel.ui.history().filter((message) => message.type.startsWith("Progress") && "id" in message && message.id === "qemu_setup:image:0");
    expect(progress[0]).toMatchObject({ type: "ProgressStart", unit: "bytes" });
    expect(progress.at(-2)).toMatchObject({ type: "ProgressUpdate", current: image.length, total: image.length });
    // The cached base went through qemu-img info and check like any base image.
    expect(first.report.effects.some((effect) => effect.kind === "run" && effect.command?.[1] === "check" && effect.command.at(-1) === cached)).toBe(true);
    expect(imageRequests()).toHaveLength(1);

    const again = await runPipeline(config, { environment, dryRun: false, outputDir, env });
    expect(imageRequests()).toHaveLength(1);
    expect(again.report.effects.some((effect) => effect.kind === "download")).toBe(false);
    const plan = await runPipeline(config, { environment, dryRun: true, outputDir: await tempDir(), env });
    expect(server.requests).toHaveLength(2);
    expect(plan.kernel.ui.history().some((message) => "text" in message && message.text.includes("guest.qcow2 is cached"))).toBe(true);
  });

  it("refuses an overlay size below the downloaded image's virtual size, at the size key, before any overlay is made", async () => {
    const imageDir = await tempDir();
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", join(imageDir, "guest.qcow2"), "128M"]);
    const image = await readFile(join(imageDir, "guest.qcow2"));
    server.serve("/guest.qcow2", image);
    const config = await request(`image = "${server.url("/guest.qcow2")}"\nsha256 = "${sha256(image)}"\nsize = "64MiB"`);
    const outputDir = await tempDir();
    const dataHome = await tempDir();
    const error = await pipelineError(config, { environment, dryRun: false, outputDir, env: { XDG_CACHE_HOME: cacheHome, VMFORGE_DATA_HOME: dataHome } });
    expect(error).toMatchObject({ code: "E_DISK_SMALLER_THAN_BASE", exitCode: 2 });
    expect(error.problems[0]).toMatchObject({ keyPath: "disk[0].size", line: 7, expected: expect.stringContaining(String(128 * 1024 ** 2)) });
    expect((await filesIn(dataHome)).filter((name) => name.includes("disk0"))).toEqual([]);
  });
});

describe("VMFORGE_OFFLINE=1", () => {
  it("a plan asks no server for the size and says so; apply refuses an image that is not cached, at its key, with nothing made", async () => {
    process.env.VMFORGE_OFFLINE = "1";
    server.serve("/guest.qcow2", BYTES);
    const config = await request(`image = "${server.url("/guest.qcow2")}"\nsha256 = "${sha256(BYTES)}"`);
    const { kernel, report } = await runPipeline(config, { environment, dryRun: true, env: { XDG_CACHE_HOME: cacheHome } });
    expect(server.requests).toHaveLength(0);
    expect(kernel.ui.history().some((message) => "text" in message && /would download guest\.qcow2 .*\(size unknown: not asked \(VMFORGE_OFFLINE\)\)/.test(message.text))).toBe(true);
    expect(report.effects.find((effect) => effect.kind === "download")).toMatchObject({ status: "planned" });

    const outputDir = await tempDir();
    const error = await pipelineError(config, { environment, dryRun: false, outputDir, env: { XDG_CACHE_HOME: cacheHome } });
    expect(error).toMatchObject({ code: "E_IMAGE_OFFLINE", exitCode: 2 });
    expect(error.problems[0]).toMatchObject({ keyPath: "disk[0].image", line: 5 });
    expect(server.requests).toHaveLength(0);
    expect(await filesIn(cacheHome)).toEqual([]);
    expect((await filesIn(outputDir)).filter((name) => name.startsWith("disk"))).toEqual([]);
  });
});
