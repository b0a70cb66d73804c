import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { describeWhen, itWhen, requirement, tool } from "@vmforge/test-support";
import { ensureBuilt, makeLab, type Lab } from "./support/lab.js";
import { killedRun } from "./support/killed-run.js";

const VM = "lab";
const isRoot = process.getuid?.() === 0;

// The baseline resume and the last case run whole applies, disk image included.
describeWhen(tool("qemu-img", "qemu-utils"))("a checkpoint that is not exactly one vmforge wrote is refused, never used and never a crash", () => {
  let lab: Lab;
  let good: string;
  let file: string;

  beforeAll(async () => {
    ensureBuilt();
    lab = makeLab("refusals");
    lab.writeToml("lab.toml", VM);
    await killedRun(lab, "lab.toml", "qemu_setup:finalize_vm_definition");
    file = join(lab.recoveryDir(), `${VM}.json`);
    good = join(lab.dir, "good-checkpoint.json");
    copyFileSync(file, good);
  });
  afterAll(() => lab.remove());

  beforeEach(() => {
    rmSync(file, { force: true, recursive: true });
    chmodSync(lab.recoveryDir(), 0o700);
    copyFileSync(good, file);
    chmodSync(file, 0o600);
  });

  /** `vmforge resume lab` refuses with `code` (exit 2), says why and what to do, and shows no stack. */
  async function expectRefused(code: string, text: string): Promise<void> {
    const result = await lab.vmforge(["resume", VM]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error[${code}]`);
    expect(result.stderr).toContain(text);
    expect(result.stderr).toContain("fix:");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain("E_INTERNAL");
  }

  it("resumes the checkpoint as it was written (the baseline of the cases below)", async () => {
    const listed = await lab.vmforge(["resume", "--json"]);
    const { runs, unusable } = JSON.parse(listed.stdout) as { runs: Array<{ name: string; stoppedAt: string; status: string; dryRun: boolean }>; unusable: unknown[] };
    expect(unusable).toEqual([]);
    expect(runs).toMatchObject([{ name: VM, dryRun: false, status: "killed" }]);
    // Killed once finalize_vm_definition ended: its checkpoint may or may not have been saved by
    // then, and on a loaded machine a stage or two more may run before the signal lands.
    const order = (JSON.parse((await lab.vmforge(["stages", "--json"])).stdout) as { stages: Array<{ id: string }> }).stages.map((stage) => stage.id);
    expect(order.indexOf(runs[0]!.stoppedAt)).toBeGreaterThanOrEqual(order.indexOf("qemu_setup:finalize_vm_definition"));
    expect(runs[0]!.stoppedAt).not.toBe(order.at(-1));
    const resumed = await lab.vmforge(["resume", VM]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
  });

  it("corrupt: not JSON (also as one JSON document under --json)", async () => {
    writeFileSync(file, "{ this is not json");
    await expectRefused("E_CHECKPOINT_INVALID", "it is not JSON");
    const json = await lab.vmforge(["resume", VM, "--json"]);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: "E_CHECKPOINT_INVALID", exitCode: 2 } });
  });

  it("truncated: the first half of a real checkpoint", async () => {
    const text = readFileSync(good, "utf8");
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    await expectRefused("E_CHECKPOINT_INVALID", "it is not JSON");
  });

  it("other data: valid JSON of another shape (an undo journal), and a checkpoint with a stage id that is no stage id", async () => {
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, vm: VM, hostRoot: "/", functions: [], undo: [], restored: false }));
    await expectRefused("E_CHECKPOINT_INVALID", "not a checkpoint this version of vmforge writes");
    const edited = JSON.parse(readFileSync(good, "utf8")) as { stages: { done: string[] } };
    edited.stages.done.push("../../etc/passwd");
    writeFileSync(file, JSON.stringify(edited));
    await expectRefused("E_CHECKPOINT_INVALID", "stages.done");
  });

  it("from a newer vmforge: another schema version", async () => {
    writeFileSync(file, readFileSync(good, "utf8").replace('"schemaVersion": 1', '"schemaVersion": 2'));
    await expectRefused("E_CHECKPOINT_INVALID", "schemaVersion");
  });

  it("foreign: another VM's checkpoint under this name", async () => {
    writeFileSync(file, readFileSync(good, "utf8").replace(`"vm": "${VM}"`, '"vm": "other-vm"'));
    await expectRefused("E_CHECKPOINT_FOREIGN", "it is the checkpoint of other-vm, not of lab");
  });

  it("foreign: written under another host root", async () => {
    writeFileSync(file, readFileSync(good, "utf8").replace(JSON.stringify(lab.hostRoot), '"/"'));
    await expectRefused("E_CHECKPOINT_FOREIGN", `its run read the host from /, and this one reads ${lab.hostRoot}`);
  });

  it("foreign: written on another machine (a data folder shared over the network)", async () => {
    writeFileSync(file, readFileSync(good, "utf8").replace(/"host": "[^"]*"/, '"host": "other-machine"'));
    await expectRefused("E_CHECKPOINT_FOREIGN", "it was written on other-machine");
  });

  it("foreign: a dry run's checkpoint where a real run's belongs", async () => {
    writeFileSync(file, readFileSync(good, "utf8").replace('"dryRun": false', '"dryRun": true'));
    await expectRefused("E_CHECKPOINT_FOREIGN", "a dry run (plan)");
  });

  it("group- or world-writable", async () => {
    chmodSync(file, 0o620);
    await expectRefused("E_CHECKPOINT_UNSAFE", "others may change it (mode 0620");
    chmodSync(file, 0o602);
    await expectRefused("E_CHECKPOINT_UNSAFE", "others may change it (mode 0602");
  });

  itWhen(requirement(isRoot, "giving a file to another user needs root"))("another user's", async () => {
    chownSync(file, 4242, 4242);
    await expectRefused("E_CHECKPOINT_UNSAFE", "it belongs to the user with uid 4242");
  });

  it("a symlink to a real checkpoint, and a FIFO (never opened: nothing blocks)", async () => {
    rmSync(file);
    symlinkSync(good, file);
    await expectRefused("E_CHECKPOINT_UNSAFE", "a symbolic link");
    rmSync(file);
    execFileSync("mkfifo", [file]);
    await expectRefused("E_CHECKPOINT_UNSAFE", "a named pipe (FIFO)");
  });

  it("in a recovery folder others may write into", async () => {
    chmodSync(lab.recoveryDir(), 0o777);
    await expectRefused("E_RECOVERY_FOLDER_UNSAFE", "others may change it (mode 0777)");
  });

  it("larger than 16 MiB", async () => {
    writeFileSync(file, `${readFileSync(good, "utf8").slice(0, -2)}${" ".repeat(16 * 1024 * 1024)}}\n`);
    await expectRefused("E_CHECKPOINT_INVALID", "at most 16 MiB");
  });

  it("the list of what can be resumed shows an unusable checkpoint with its reason and goes on", async () => {
    writeFileSync(file, "garbage");
    const listed = await lab.vmforge(["resume", "--json"]);
    expect(listed.exitCode).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ runs: [], unusable: [{ name: VM, dryRun: false, error: { code: "E_CHECKPOINT_INVALID" } }] });
    const text = await lab.vmforge(["resume"]);
    expect(text.stdout).toContain("lab: cannot be resumed (E_CHECKPOINT_INVALID)");
  });

  it("a new apply replaces an unusable checkpoint, saying so, and runs", async () => {
    writeFileSync(file, "garbage");
    const result = await lab.vmforge(["plan", "lab.toml", "--json-lines"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const applied = await lab.vmforge(["apply", "lab.toml", "--json-lines"]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('"code":"W_CHECKPOINT_REPLACED"');
    expect(applied.stdout).toContain("could not be read; this run starts over");
  });
});
