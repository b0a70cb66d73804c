import { spawnSync } from "node:child_process";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBoundedFile, readBoundedText } from "../src/index.js";
import { temporaryDir } from "./helpers.js";

describe("readBoundedFile: what the user names is read whole, bounded, and only if it is a regular file", () => {
  it("reads a regular file, through a symlink too", async () => {
    const dir = await temporaryDir();
    await writeFile(join(dir, "vm.toml"), '[vm]\nname = "a"\n');
    await symlink("vm.toml", join(dir, "link.toml"));
    expect(await readBoundedText(join(dir, "vm.toml"), { maxBytes: 1024 })).toBe('[vm]\nname = "a"\n');
    expect(await readBoundedText(join(dir, "link.toml"), { maxBytes: 1024 })).toBe('[vm]\nname = "a"\n');
  });

  it("refuses a FIFO without waiting for a writer", async () => {
    const dir = await temporaryDir();
    expect(spawnSync("mkfifo", [join(dir, "fifo.toml")]).status).toBe(0);
    const started = Date.now();
    const error = await readBoundedFile(join(dir, "fifo.toml"), { maxBytes: 1024, what: "the VM description" }).catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: "E_FILE_NOT_REGULAR", exitCode: 2, fault: "not-regular" });
    expect((error as Error).message).toBe(`the VM description ${join(dir, "fifo.toml")} is a named pipe (FIFO), not a regular file.`);
  });

  it("refuses devices: /dev/zero and /dev/urandom are never read", async () => {
    for (const device of ["/dev/zero", "/dev/urandom", "/dev/null"]) {
      await expect(readBoundedFile(device, { maxBytes: 1024 })).rejects.toMatchObject({ code: "E_FILE_NOT_REGULAR", message: expect.stringContaining("character device") });
    }
  });

  it("refuses a folder, names a missing file, and says when a file is too large", async () => {
    const dir = await temporaryDir();
    await mkdir(join(dir, "folder"));
    await expect(readBoundedFile(join(dir, "folder"), { maxBytes: 10 })).rejects.toMatchObject({ code: "E_FILE_NOT_REGULAR", message: expect.stringContaining("a folder") });
    await expect(readBoundedFile(join(dir, "missing"), { maxBytes: 10 })).rejects.toMatchObject({ code: "E_FILE_NOT_FOUND", exitCode: 2 });
    await writeFile(join(dir, "big"), "");
    await truncate(join(dir, "big"), 2 * 1024 ** 3);
    await expect(readBoundedFile(join(dir, "big"), { maxBytes: 1024 ** 2, what: "the VM description" })).rejects.toMatchObject({
      code: "E_FILE_TOO_LARGE",
      message: expect.stringContaining("vmforge reads at most 1 MiB of it"),
    });
  });

  it("counts what it reads, so a /proc file that says size 0 is still bounded", async () => {
    const status = await readBoundedText("/proc/self/status", { maxBytes: 64 * 1024 });
    expect(status).toContain("Name:");
    await expect(readBoundedFile("/proc/self/status", { maxBytes: 16 })).rejects.toMatchObject({ code: "E_FILE_TOO_LARGE", message: expect.stringContaining("more than 16 bytes") });
  });

  it("a file exactly at the limit is read whole", async () => {
    const dir = await temporaryDir();
    await writeFile(join(dir, "exact"), Buffer.alloc(70_000, 7));
    expect((await readBoundedFile(join(dir, "exact"), { maxBytes: 70_000 })).length).toBe(70_000);
    await expect(readBoundedFile(join(dir, "exact"), { maxBytes: 69_999 })).rejects.toMatchObject({ code: "E_FILE_TOO_LARGE" });
  });
});
