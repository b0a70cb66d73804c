import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { open, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WHOLE_HASH_LIMIT, fingerprintFile, sameFingerprint } from "../src/index.js";
import { kernelWith, plugin, stage, temporaryDir } from "./helpers.js";

describe("inputs a run read", () => {
  it("preflight checks and stages record the user files they read, fingerprinted, in the report", async () => {
    const dir = await temporaryDir();
    await writeFile(join(dir, "vm.toml"), '[vm]\nname = "web-1"\n');
    await writeFile(join(dir, "id.pub"), "ssh-ed25519 AAAA dev\n");
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:keys", { run: (ctx) => ctx.recordInput(join(dir, "id.pub"), "ssh key file") })], {
        preflightCheck: async (ctx) => void (await ctx.recordInput?.(join(dir, "vm.toml"), "the VM description")),
      }),
    ]);
    const report = await kernel.run();
    expect(report.inputs).toEqual([
      { path: join(dir, "vm.toml"), what: "the VM description", fingerprint: { kind: "whole", size: 20, sha256: createHash("sha256").update('[vm]\nname = "web-1"\n').digest("hex") } },
      { path: join(dir, "id.pub"), what: "ssh key file", stage: "p:keys", fingerprint: expect.objectContaining({ kind: "whole", size: 21 }) },
    ]);
  });

  it("a large file (a disk image) is sampled: size, mtime, inode and its first and last MiB, never read whole", async () => {
    const dir = await temporaryDir();
    const image = join(dir, "disk.raw");
    await writeFile(image, "");
    await truncate(image, WHOLE_HASH_LIMIT * 64);
    const before = await fingerprintFile(image);
    expect(before).toMatchObject({ kind: "sampled", size: WHOLE_HASH_LIMIT * 64 });
    // A guest that writes into the middle of the image changes its mtime.
    const handle = await open(image, "r+");
    await handle.write(Buffer.from("boot"), 0, 4, WHOLE_HASH_LIMIT * 32);
    await handle.close();
    expect(sameFingerprint(before, await fingerprintFile(image))).toBe(false);
  });

  it("a missing file, a FIFO and a device are told apart without opening them", async () => {
    const dir = await temporaryDir();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    expect(await fingerprintFile(join(dir, "gone"))).toEqual({ kind: "missing" });
    expect(await fingerprintFile(join(dir, "pipe"))).toEqual({ kind: "other", type: "a named pipe (FIFO)" });
    expect(await fingerprintFile("/dev/null")).toMatchObject({ kind: "device" });
  });

  it("one changed byte of a small file changes its fingerprint", async () => {
    const dir = await temporaryDir();
    const file = join(dir, "user-data.yaml");
    await writeFile(file, "packages: [nginx]\n");
    const before = await fingerprintFile(file);
    await writeFile(file, "packages: [nginy]\n");
    expect(sameFingerprint(before, await fingerprintFile(file))).toBe(false);
    expect(sameFingerprint(before, before)).toBe(true);
  });
});
