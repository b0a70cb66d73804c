import { execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Problem } from "@vmforge/kernel";
import { describeWhen, tool } from "@vmforge/test-support";
import { judgeCheck, judgeInfo, type ExistingImage } from "../src/disk-image-check.js";
import { vmforge } from "./support/cli.js";
import { fakeEnvironment } from "./support/environment.js";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

/*
 * An image that is already there is used as is, so it is opened by qemu-img first: a qcow2
 * cut short by a killed `qemu-img create`, or an empty file, stops the run with its key. New
 * images are made under a temporary name and renamed only when qemu-img succeeded.
 */

const qemuImg = (...args: string[]) => execFileSync("qemu-img", args, { encoding: "utf8" });
const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line }) => ({ code, keyPath, line }));

/** A qcow2 as a killed `qemu-img create` leaves it: the first `bytes` of a real one. */
async function halfMadeQcow2(path: string, bytes: number): Promise<void> {
  const whole = `${path}.whole`;
  qemuImg("create", "-q", "-f", "qcow2", whole, "64M");
  await writeFile(path, (await readFile(whole)).subarray(0, bytes));
}

/** Host facts whose qemu-img is `program` (a wrapper script). */
function withQemuImg(program: string) {
  const environment = fakeEnvironment();
  return { ...environment, firmware: { ...environment.firmware, binaries: { ...environment.firmware.binaries, qemuImg: program } } };
}

async function project(toml: string) {
  const dir = await tempDir();
  const config = join(dir, "vm.toml");
  await writeFile(config, toml);
  return { dir, config, outputDir: join(dir, "out") };
}

describeWhen(tool("qemu-img", "qemu-utils"))("existing disk images are checked before they are used", () => {
  it("a qcow2 cut short by a killed create, named in [[disk]] path: E_DISK_BROKEN at disk[0].path; no image is created", async () => {
    const { dir, config, outputDir } = await project('[vm]\nname = "half"\n[[disk]]\npath = "half.qcow2"\n[[disk]]\nsize = "8MiB"\n');
    await halfMadeQcow2(join(dir, "half.qcow2"), 65536);
    const before = await readFile(join(dir, "half.qcow2"));
    const error = await pipelineError(config, { dryRun: false, outputDir });
    expect(error).toMatchObject({ code: "E_DISK_BROKEN", exitCode: 2 });
    expect(pick(error.problems)).toEqual([{ code: "E_DISK_BROKEN", keyPath: "disk[0].path", line: 4 }]);
    expect(error.problems[0]).toMatchObject({ file: config, received: expect.stringContaining("damaged qcow2 image"), expected: expect.stringContaining("qemu-img check passes"), fix: expect.stringContaining("backup") });
    expect(existsSync(join(outputDir, "disk1.qcow2"))).toBe(false);
    expect(await readFile(join(dir, "half.qcow2"))).toEqual(before);
  });

  it("an empty file, and a qcow2 with only part of its header where vmforge would create one: both named at once", async () => {
    const { dir, config, outputDir } = await project('[vm]\nname = "two"\n[[disk]]\npath = "empty.img"\n[[disk]]\npath = "stub.qcow2"\nsize = "1GiB"\n');
    await writeFile(join(dir, "empty.img"), "");
    await halfMadeQcow2(join(dir, "stub.qcow2"), 100);
    const error = await pipelineError(config, { dryRun: false, outputDir });
    expect(pick(error.problems)).toEqual([
      { code: "E_DISK_BROKEN", keyPath: "disk[0].path", line: 4 },
      { code: "E_DISK_BROKEN", keyPath: "disk[1].path", line: 6 },
    ]);
    expect(error.problems[0]!.received).toBe("an empty raw image (0 bytes)");
    // vmforge makes this one: a broken file there is most likely its own left-over, and may go.
    expect(error.problems[1]).toMatchObject({ received: "a file qemu-img cannot open as qcow2", fix: expect.stringContaining(`Delete ${join(dir, "stub.qcow2")}`) });
  });

  it("a half-made image at vmforge's own name in the run folder is not used as is on the next apply", async () => {
    const { config, outputDir } = await project('[vm]\nname = "rerun"\n[[disk]]\nsize = "64MiB"\n');
    await mkdir(outputDir);
    await halfMadeQcow2(join(outputDir, "disk0.qcow2"), 65536);
    const error = await pipelineError(config, { dryRun: false, outputDir });
    expect(pick(error.problems)).toEqual([{ code: "E_DISK_BROKEN", keyPath: "disk[0]", line: 3 }]);
    expect(error.problems[0]!.fix).toContain("interrupted run");
  });

  it("a sound image and a sound base image pass and are used", async () => {
    const { dir, config, outputDir } = await project('[vm]\nname = "sound"\n[[disk]]\npath = "data.qcow2"\n[[disk]]\nbacking = "base.raw"\nsize = "16MiB"\n');
    qemuImg("create", "-q", "-f", "qcow2", join(dir, "data.qcow2"), "16M");
    qemuImg("create", "-q", "-f", "raw", join(dir, "base.raw"), "16M");
    const { report } = await runPipeline(config, { dryRun: false, outputDir });
    const runs = report.effects.filter((effect) => effect.kind === "run").map((effect) => [effect.command![1], effect.command!.at(-1), effect.status]);
    expect(runs).toEqual([
      ["info", join(dir, "data.qcow2"), "done"],
      ["check", join(dir, "data.qcow2"), "done"],
      ["info", join(dir, "base.raw"), "done"],
      ["create", "16777216", "done"],
    ]);
    expect(JSON.parse(qemuImg("info", "--output=json", join(outputDir, "disk1.qcow2")))).toMatchObject({ format: "qcow2", "backing-filename": join(dir, "base.raw") });
  });

  it("a dry run runs nothing; the plan records what would be checked and created", async () => {
    const { dir, config } = await project('[vm]\nname = "planned"\n[[disk]]\npath = "half.qcow2"\n[[disk]]\nsize = "8MiB"\n');
    await halfMadeQcow2(join(dir, "half.qcow2"), 65536);
    const { report } = await runPipeline(config, { dryRun: true });
    const runs = report.effects.filter((effect) => effect.kind === "run");
    expect(runs.map((effect) => [effect.command![1], effect.status])).toEqual([
      ["info", "planned"],
      ["check", "planned"],
      ["create", "planned"],
    ]);
    expect(runs[0]!.command).toEqual(["/usr/bin/qemu-img", "info", "--output=json", "-f", "qcow2", "--", join(dir, "half.qcow2")]);
  });
});

describeWhen(tool("qemu-img", "qemu-utils"))("new images are created under a temporary name and renamed when complete", () => {
  /** A qemu-img that logs its arguments, and with `killCreate` dies (SIGKILL) halfway through a create. */
  async function wrapper(dir: string, killCreate: boolean): Promise<{ program: string; log: string }> {
    const program = join(dir, "qemu-img-wrapper");
    const log = join(dir, "calls.log");
    const kill = killCreate ? 'if [ "$1" = create ]; then while [ "$1" != "--" ]; do shift; done; printf "QFI\\373half" > "$2"; kill -9 $$; fi\n' : "";
    await writeFile(program, `#!/bin/sh\necho "$@" >> '${log}'\n${kill}exec qemu-img "$@"\n`);
    await chmod(program, 0o755);
    return { program, log };
  }

  it("qemu-img writes .<name>.partial.tmp beside the image; the image appears only when it succeeded", async () => {
    const { dir, config, outputDir } = await project('[vm]\nname = "temp"\n[[disk]]\nsize = "8MiB"\n');
    const { program, log } = await wrapper(dir, false);
    await runPipeline(config, { dryRun: false, outputDir, environment: withQemuImg(program) });
    expect((await readFile(log, "utf8")).trim()).toBe(`create -q -f qcow2 -- ${join(outputDir, ".disk0.qcow2.partial.tmp")} 8388608`);
    expect((await readdir(outputDir)).filter((name) => name.includes("disk0"))).toEqual(["disk0.qcow2"]);
    expect(JSON.parse(qemuImg("check", "--output=json", join(outputDir, "disk0.qcow2")))).toMatchObject({ "check-errors": 0 });
  });

  it("a create killed halfway leaves neither the image nor the temporary file, and the next run makes a sound image", async () => {
    const { dir, config, outputDir } = await project('[vm]\nname = "killed"\n[[disk]]\nsize = "8MiB"\n');
    const { program } = await wrapper(dir, true);
    const error = await pipelineError(config, { dryRun: false, outputDir, environment: withQemuImg(program) });
    expect(error).toMatchObject({ code: "E_DISK_CREATE_FAILED" });
    expect((await readdir(outputDir)).filter((name) => name.includes("disk0"))).toEqual([]);
    await runPipeline(config, { dryRun: false, outputDir });
    expect(JSON.parse(qemuImg("info", "--output=json", join(outputDir, "disk0.qcow2")))).toMatchObject({ format: "qcow2", "virtual-size": 8 * 1024 ** 2 });
  });

  it("through the real CLI: apply with a half-made qcow2 exits 2 naming disk[0].path, and leaves it untouched", async () => {
    const { dir, config, outputDir } = await project('network = []\n[vm]\nname = "cli-half"\n[[disk]]\npath = "half.qcow2"\n');
    await halfMadeQcow2(join(dir, "half.qcow2"), 65536);
    const before = await readFile(join(dir, "half.qcow2"));
    const result = await vmforge(["apply", config, "--out", outputDir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error[E_DISK_BROKEN]");
    expect(result.stderr).toContain(`${config}:5:1  disk[0].path`);
    expect(result.stderr).toContain("damaged qcow2 image");
    expect(await readFile(join(dir, "half.qcow2"))).toEqual(before);
  });
});

describe("what qemu-img's answer means", () => {
  const image: ExistingImage = { path: "/vms/a.qcow2", format: "qcow2", keyPath: ["disk", 0, "path"], what: "disk[0]'s image", createdByVmforge: false };
  const result = (exitCode: number, stdout: string, stderr = "") => ({ exitCode, stdout, stderr });

  it("an image held by a running VM or not readable is named as such, with its own fix (not as damage)", () => {
    expect(judgeInfo(image, result(1, "", 'qemu-img: Could not open \'/vms/a.qcow2\': Failed to get shared "write" lock\nIs another process using the image [/vms/a.qcow2]?'))).toMatchObject({ ok: false, received: expect.stringContaining("a running VM"), fix: expect.stringContaining("Stop the VM") });
    expect(judgeInfo(image, result(1, "", "qemu-img: Could not open '/vms/a.qcow2': Permission denied"))).toMatchObject({ ok: false, received: "an image vmforge may not read", fix: expect.stringContaining("readable") });
    expect(judgeInfo(image, result(1, "", "qemu-img: Could not open '/vms/a.qcow2': Image is not in qcow2 format"))).toEqual({ ok: false, received: "a file qemu-img cannot open as qcow2", detail: "Could not open '/vms/a.qcow2': Image is not in qcow2 format" });
  });

  it("sizes: 0 bytes and less than a sector are no disk; qemu-img check exit 3 (leaks only) passes with a note, 2 is damage", () => {
    expect(judgeInfo(image, result(0, '{"virtual-size": 0}'))).toMatchObject({ ok: false, received: "an empty qcow2 image (0 bytes)" });
    expect(judgeInfo({ ...image, format: "raw" }, result(0, '{"virtual-size": 3}'))).toMatchObject({ ok: false, received: "a raw image of 3 bytes" });
    expect(judgeInfo(image, result(0, '{"virtual-size": 1048576}'))).toEqual({ ok: true });
    expect(judgeCheck(result(3, '{"leaks": 4}'))).toMatchObject({ ok: true, note: expect.stringContaining("4 leaked cluster(s)") });
    expect(judgeCheck(result(2, '{"corruptions": 3}'))).toMatchObject({ ok: false, received: "a damaged qcow2 image (3 corruption(s))" });
  });
});
