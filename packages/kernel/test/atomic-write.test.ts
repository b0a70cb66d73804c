import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const failure = vi.hoisted(() => ({ afterBytes: undefined as number | undefined, noHardLinks: false, synced: [] as string[] }));

// writeFileAtomic works with node:fs's synchronous calls; a full disk and a filesystem without
// hard links are played by wrapping them.
vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:fs")>();
  const paths = new Map<number, string>();
  const openSync = ((...args: Parameters<typeof original.openSync>) => {
    const fd = original.openSync(...args);
    paths.set(fd, String(args[0]));
    return fd;
  }) as typeof original.openSync;
  const fsyncSync: typeof original.fsyncSync = (fd) => {
    failure.synced.push(paths.get(fd) ?? `fd ${fd}`);
    original.fsyncSync(fd);
  };
  const writeSync = ((fd: number, data: Uint8Array, offset?: number, length?: number) => {
    const start = offset ?? 0;
    const size = length ?? data.length - start;
    const limit = failure.afterBytes;
    if (limit === undefined) return original.writeSync(fd, data, start, size);
    // Writes part of the data, as a full disk would, then fails.
    original.writeSync(fd, data, start, Math.min(size, limit));
    throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
  }) as typeof original.writeSync;
  const linkSync: typeof original.linkSync = (...args) => {
    if (failure.noHardLinks) throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM" });
    return original.linkSync(...args);
  };
  const replaced = { openSync, fsyncSync, writeSync, linkSync };
  return { ...original, ...replaced, default: { ...original, ...replaced } };
});

const { writeFileAtomic, removeFileDurably, EffectLog, HostRoot } = await import("../src/index.js");
const { caught, temporaryDir } = await import("./helpers.js");

afterEach(() => {
  failure.afterBytes = undefined;
  failure.noHardLinks = false;
  failure.synced.length = 0;
});

describe("atomic writes", () => {
  it("flushes the new file, then its folder once the rename is done, so the write survives a power cut", async () => {
    const dir = await temporaryDir();
    await writeFileAtomic(join(dir, "checkpoint.json"), "{}");
    expect(failure.synced).toHaveLength(2);
    expect(failure.synced[0]).toMatch(/\/\.checkpoint\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(failure.synced[1]).toBe(dir);
  });

  it("leaves no file at all when a new file's write fails halfway", async () => {
    const dir = await temporaryDir();
    failure.afterBytes = 3;
    await expect(writeFileAtomic(join(dir, "domain.xml"), "<domain>...</domain>")).rejects.toThrow("ENOSPC");
    expect(await readdir(dir)).toEqual([]);
  });

  it("keeps the old file whole when a replacement's write fails halfway", async () => {
    const dir = await temporaryDir();
    await writeFile(join(dir, "domain.xml"), "old complete content");
    failure.afterBytes = 4;
    await expect(writeFileAtomic(join(dir, "domain.xml"), "new content that never lands")).rejects.toThrow("ENOSPC");
    expect(await readFile(join(dir, "domain.xml"), "utf8")).toBe("old complete content");
    expect(await readdir(dir)).toEqual(["domain.xml"]);
  });

  it("turns the failure into E_WRITE_FAILED through the effects API", async () => {
    const dir = await temporaryDir();
    failure.afterBytes = 1;
    const log = new EffectLog({ dryRun: false, host: new HostRoot("/") });
    const error = await caught(() => log.forStage("p:stage").writeFile(join(dir, "seed.iso"), new Uint8Array(64)));
    expect(error.code).toBe("E_WRITE_FAILED");
    expect(error.message).toContain("no space left");
    expect(await readdir(dir)).toEqual([]);
  });

  it("does not flush a write that need not survive a power cut (a dry run's output), and still writes it whole", async () => {
    const dir = await temporaryDir();
    await writeFileAtomic(join(dir, "plan.json"), "{}", { durable: false });
    expect(failure.synced).toEqual([]);
    expect(await readFile(join(dir, "plan.json"), "utf8")).toBe("{}");
    expect(await readdir(dir)).toEqual(["plan.json"]);
  });

  it("writes the whole content when nothing fails", async () => {
    const dir = await temporaryDir();
    await writeFileAtomic(join(dir, "nested", "file.txt"), "all of it");
    expect(await readFile(join(dir, "nested", "file.txt"), "utf8")).toBe("all of it");
  });

  it("still refuses to replace a file on a filesystem without hard links", async () => {
    const dir = await temporaryDir();
    failure.noHardLinks = true;
    await writeFileAtomic(join(dir, "disk.img"), "new", { exclusive: true });
    expect(await readFile(join(dir, "disk.img"), "utf8")).toBe("new");
    await expect(writeFileAtomic(join(dir, "disk.img"), "again", { exclusive: true })).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(join(dir, "disk.img"), "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["disk.img"]);
  });
});

describe("durable removal", () => {
  it("removes a file and does not mind one that is gone", async () => {
    const dir = await temporaryDir();
    await writeFile(join(dir, "checkpoint.json"), "{}");
    await removeFileDurably(join(dir, "checkpoint.json"));
    expect(failure.synced).toEqual([dir]);
    await removeFileDurably(join(dir, "checkpoint.json"));
    expect(await readdir(dir)).toEqual([]);
  });
});
