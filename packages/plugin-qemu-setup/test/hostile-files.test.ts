import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ReadLimits, type Problem, type VmforgeError } from "@vmforge/kernel";
import { itWhen, requirement } from "@vmforge/test-support";
import { inspectImage } from "../src/disk-format-detection.js";
import { readVmDescription } from "../src/read-vm-request.js";
import { vmforge } from "./support/cli.js";
import { pipelineError } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

/*
 * Files the user names that are no regular file, or are endless: a FIFO would block the run
 * forever, /dev/zero or /dev/urandom would be read until memory or disk runs out. Each is
 * refused with its key and what it is, fast (every test here has a few seconds, no more).
 */

const FAST = 5_000;
const mkfifo = (path: string) => execFileSync("mkfifo", [path]);
const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line }) => ({ code, keyPath, line }));

async function readError(path: string): Promise<VmforgeError> {
  try {
    await readVmDescription(path);
  } catch (error) {
    return error as VmforgeError;
  }
  throw new Error(`${path} was read`);
}

describe("the VM description is read only when it is a regular file of at most 1 MiB", () => {
  it.each([
    ["a FIFO", async (dir: string) => (mkfifo(join(dir, "vm.toml")), join(dir, "vm.toml")), "a named pipe (FIFO)"],
    ["a symlink to a FIFO", async (dir: string) => (mkfifo(join(dir, "pipe")), await symlink("pipe", join(dir, "vm.toml")), join(dir, "vm.toml")), "a named pipe (FIFO)"],
    ["/dev/urandom", async () => "/dev/urandom", "a character device"],
    ["/dev/zero", async () => "/dev/zero", "a character device"],
    ["a folder", async (dir: string) => dir, "a folder"],
  ])("%s: E_CONFIG_UNREADABLE (exit 2) naming what it is, never opened", async (_label, make, kind) => {
    const path = await make(await tempDir());
    const error = await readError(path);
    expect(error).toMatchObject({ code: "E_CONFIG_UNREADABLE", exitCode: 2, fix: expect.stringContaining("regular file") });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_FILE_NOT_REGULAR", file: path, received: kind, expected: "a regular TOML file of at most 1 MiB" })]);
  }, FAST);

  it("a file over 1 MiB is refused before it is read (E_FILE_TOO_LARGE); one of exactly 1 MiB is read", async () => {
    const dir = await tempDir();
    const large = join(dir, "large.toml");
    await writeFile(large, "");
    await truncate(large, ReadLimits.config + 1);
    expect((await readError(large)).problems).toEqual([expect.objectContaining({ code: "E_FILE_TOO_LARGE", received: "more than 1 MiB" })]);

    const exact = join(dir, "exact.toml");
    const head = '[vm]\nname = "a"\n#';
    await writeFile(exact, head + "x".repeat(ReadLimits.config - head.length));
    expect((await readVmDescription(exact)).text).toHaveLength(ReadLimits.config);
  }, FAST);

  it("a missing file is still E_CONFIG_NOT_FOUND", async () => {
    expect(await readError(join(await tempDir(), "nope.toml"))).toMatchObject({ code: "E_CONFIG_NOT_FOUND", exitCode: 2 });
  });
});

describe("[firmware] code and vars are checked when the request is validated, before any stage writes", () => {
  it('vars = "/dev/zero" and a FIFO as code: both named with their keys; apply writes no OVMF_VARS.fd', async () => {
    const dir = await tempDir();
    mkfifo(join(dir, "code.fd"));
    const config = join(dir, "vm.toml");
    await writeFile(config, '[vm]\nname = "fw"\n[firmware]\ncode = "code.fd"\nvars = "/dev/zero"\n');
    const outputDir = join(await tempDir(), "out");
    const error = await pipelineError(config, { dryRun: false, outputDir });
    expect(error).toMatchObject({ code: "E_REQUEST_INVALID", exitCode: 2 });
    expect(pick(error.problems)).toEqual([
      { code: "E_FILE_NOT_REGULAR", keyPath: "firmware.code", line: 4 },
      { code: "E_FILE_NOT_REGULAR", keyPath: "firmware.vars", line: 5 },
    ]);
    expect(error.problems[1]).toMatchObject({ file: config, received: '"/dev/zero" (a character device)', expected: expect.stringContaining("a regular file of at most 64 MiB"), fix: expect.any(String) });
    expect(existsSync(join(outputDir, "OVMF_VARS.fd"))).toBe(false);
  }, FAST);

  it("a vars template over 64 MiB is refused (E_FILE_TOO_LARGE) without being read", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "code.fd"), Buffer.alloc(4096));
    await writeFile(join(dir, "vars.fd"), "");
    await truncate(join(dir, "vars.fd"), ReadLimits.firmware + 1);
    const config = join(dir, "vm.toml");
    await writeFile(config, '[vm]\nname = "fw"\n[firmware]\ncode = "code.fd"\nvars = "vars.fd"\n');
    const error = await pipelineError(config, { dryRun: false, outputDir: join(dir, "out") });
    expect(pick(error.problems)).toEqual([{ code: "E_FILE_TOO_LARGE", keyPath: "firmware.vars", line: 5 }]);
  }, FAST);
});

describe("disk files that are no image are named, never opened", () => {
  it("a FIFO as a disk and as a base image: E_DISK_NOT_A_FILE at each key", async () => {
    const dir = await tempDir();
    mkfifo(join(dir, "disk.img"));
    mkfifo(join(dir, "base.img"));
    const config = join(dir, "vm.toml");
    await writeFile(config, '[vm]\nname = "pipes"\n[[disk]]\npath = "disk.img"\n[[disk]]\nbacking = "base.img"\nsize = "1GiB"\n');
    const error = await pipelineError(config, { outputDir: join(dir, "out") });
    expect(error).toMatchObject({ code: "E_REQUEST_INVALID", exitCode: 2 });
    expect(pick(error.problems)).toEqual([
      { code: "E_DISK_NOT_A_FILE", keyPath: "disk[0].path", line: 4 },
      { code: "E_DISK_NOT_A_FILE", keyPath: "disk[1].backing", line: 6 },
    ]);
    expect(error.problems[0]!.received).toContain("a named pipe (FIFO)");
  }, FAST);

  it("format detection answers for a FIFO without a writer at once (it would block in open()), and for a character device", async () => {
    const fifo = join(await tempDir(), "pipe");
    mkfifo(fifo);
    expect(await inspectImage(fifo)).toEqual({ exists: true, format: null, isFileOrDevice: false, kind: "a named pipe (FIFO)" });
    expect(await inspectImage("/dev/zero")).toEqual({ exists: true, format: null, isFileOrDevice: false, kind: "a character device" });
  }, FAST);

  const blockDevice = readdirSync("/dev")
    .map((name) => join("/dev", name))
    .find((path) => {
      try {
        return statSync(path).isBlockDevice();
      } catch {
        return false;
      }
    });
  itWhen(requirement(blockDevice !== undefined, "this machine shows no block device in /dev"))("a block device is a legitimate disk: it is read for its format", async () => {
    const facts = await inspectImage(blockDevice!);
    expect(facts).toMatchObject({ exists: true, isFileOrDevice: true });
  });
});

describe("through the real CLI (packages/cli/dist; `pnpm build` first)", () => {
  it("plan with a FIFO as the VM description ends at once: exit 2, E_CONFIG_UNREADABLE", async () => {
    const dir = await tempDir();
    mkfifo(join(dir, "vm.toml"));
    const result = await vmforge(["plan", join(dir, "vm.toml"), "--out", join(dir, "out")]);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error[E_CONFIG_UNREADABLE]");
    expect(result.stderr).toContain("a named pipe (FIFO)");
    expect(result.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  });

  it("plan with /dev/urandom as the VM description: exit 2 at once, nothing read", async () => {
    const result = await vmforge(["plan", "/dev/urandom"]);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("a character device");
  });

  it('apply with [firmware] vars = "/dev/zero": exit 2 with the key, and no OVMF_VARS.fd is written', async () => {
    const dir = await tempDir();
    const config = join(dir, "vm.toml");
    await writeFile(config, '[vm]\nname = "zero-vars"\n[firmware]\ncode = "code.fd"\nvars = "/dev/zero"\n');
    await writeFile(join(dir, "code.fd"), Buffer.alloc(4096));
    const out = join(dir, "out");
    await mkdir(out);
    const result = await vmforge(["apply", config, "--out", out]);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_FILE_NOT_REGULAR");
    expect(result.stderr).toContain(`${config}:5:1  firmware.vars`);
    expect(existsSync(join(out, "OVMF_VARS.fd"))).toBe(false);
  });
});
