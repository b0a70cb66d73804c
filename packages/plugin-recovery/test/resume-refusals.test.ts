import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeWhen, tool } from "@vmforge/test-support";
import { ensureBuilt, makeLab, type Lab } from "./support/lab.js";
import { checkpointOf, killedRun } from "./support/killed-run.js";

const VM = "lab";

// --restart runs a whole apply, disk image included.
describeWhen(tool("qemu-img", "qemu-utils"))("vmforge resume refuses, with the reason, when what the stopped run relied on changed", () => {
  let lab: Lab;
  const saved = new Map<string, Buffer>();
  const project = () => join(lab.dir, "vms");

  beforeAll(async () => {
    ensureBuilt();
    lab = makeLab("changed");
    lab.writeToml("lab.toml", VM);
    // Stopped after the cloud-init files were read and vm-definition.json was written.
    await killedRun(lab, "lab.toml", "linux_setup:generate_cloud_init_meta");
    for (const file of [join(project(), "lab.toml"), join(project(), "id.pub"), join(lab.runDir(VM), "vm-definition.json"), join(lab.recoveryDir(), `${VM}.json`)]) saved.set(file, readFileSync(file));
  });
  afterAll(() => lab.remove());
  beforeEach(() => {
    for (const [file, bytes] of saved) writeFileSync(file, bytes, { mode: 0o600 });
  });

  async function expectRefused(code: string, ...texts: string[]): Promise<void> {
    const result = await lab.vmforge(["resume", VM]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error[${code}]`);
    for (const text of texts) expect(result.stderr).toContain(text);
    expect(result.stderr).toContain(`fix: Start over with \`vmforge resume ${VM} --host-root ${lab.hostRoot} --restart\``);
    // Nothing was run: the checkpoint is still there to resume once the change is undone.
    expect(existsSync(join(lab.recoveryDir(), `${VM}.json`))).toBe(true);
  }

  it("the VM description changed (one comment line)", async () => {
    appendFileSync(join(project(), "lab.toml"), "# edited\n");
    await expectRefused("E_RESUME_INPUT_CHANGED", "the VM description", "lab.toml, changed since the run stopped");
  });

  it("a file the description names changed (the ssh key file), or is gone", async () => {
    writeFileSync(join(project(), "id.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther other@laptop\n");
    await expectRefused("E_RESUME_INPUT_CHANGED", "ssh_authorized_keys_file", "id.pub, changed since the run stopped");
    rmSync(join(project(), "id.pub"));
    await expectRefused("E_RESUME_INPUT_CHANGED", "got no file");
  });

  it("an artifact a finished stage wrote no longer matches its hash, or was replaced by a FIFO (never opened)", async () => {
    appendFileSync(join(lab.runDir(VM), "vm-definition.json"), " ");
    await expectRefused("E_RESUME_ARTIFACT_CHANGED", "vm-definition.json", "is no longer the file qemu_setup:finalize_vm_definition wrote");
    rmSync(join(lab.runDir(VM), "vm-definition.json"));
    execFileSync("mkfifo", [join(lab.runDir(VM), "vm-definition.json")]);
    try {
      await expectRefused("E_RESUME_ARTIFACT_CHANGED", "vm-definition.json, is gone (or no longer a regular file)");
    } finally {
      rmSync(join(lab.runDir(VM), "vm-definition.json"));
    }
  });

  it("a plugin's version changed since (refused under the VM's lock, before any stage)", async () => {
    const file = join(lab.recoveryDir(), `${VM}.json`);
    const checkpoint = checkpointOf(lab, VM);
    checkpoint.plugins = checkpoint.plugins.map((plugin) => (plugin.name === "@vmforge/plugin-linux-setup" ? { ...plugin, version: "0.0.9" } : plugin));
    writeFileSync(file, JSON.stringify(checkpoint), { mode: 0o600 });
    const result = await lab.vmforge(["resume", VM, "--json-lines"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error[E_RESUME_PLUGINS_CHANGED]");
    expect(result.stderr).toContain("@vmforge/plugin-linux-setup was 0.0.9 and is 0.1.0 now");
    expect(result.stdout).not.toContain('"event":"stage-start"');
  });

  it("several kinds at once: one refusal naming each", async () => {
    appendFileSync(join(project(), "lab.toml"), "# edited\n");
    appendFileSync(join(lab.runDir(VM), "vm-definition.json"), " ");
    await expectRefused("E_RESUME_REFUSED", "2 things changed", "lab.toml", "vm-definition.json");
  });

  it("--restart starts over from the current files, without a warning, and removes the checkpoint when done", async () => {
    appendFileSync(join(project(), "lab.toml"), "# edited\n");
    const result = await lab.vmforge(["resume", VM, "--restart", "--json-lines"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("W_CHECKPOINT_REPLACED");
    expect(result.stdout).not.toContain('"status":"resumed"');
    expect(existsSync(join(lab.recoveryDir(), `${VM}.json`))).toBe(false);
    const plan = JSON.parse(readFileSync(join(lab.runDir(VM), "plan.json"), "utf8")) as { ok: boolean; resumed: boolean; inputs: Array<{ path: string }> };
    expect(plan).toMatchObject({ ok: true, resumed: false });
    expect(plan.inputs.map((input) => input.path).sort()).toEqual([join(project(), "extra.yaml"), join(project(), "id.pub"), join(project(), "lab.toml")]);
  });
});

describe("vmforge resume's own mistakes", () => {
  let lab: Lab;
  beforeAll(() => {
    ensureBuilt();
    lab = makeLab("usage");
  });
  afterAll(() => lab.remove());

  it.each([
    [["resume", "nothing-here"], "E_RESUME_NO_CHECKPOINT", "Nothing to resume for nothing-here"],
    [["resume", "../etc"], "E_RESUME_USAGE", "is not the name of a run"],
    [["resume", "a", "b"], "E_RESUME_USAGE", "Unexpected arguments: b"],
    [["resume", "a", "--frobnicate"], "E_RESUME_USAGE", "Unknown option '--frobnicate'"],
  ])("vmforge %j: %s, exit 2", async (args, code, text) => {
    const result = await lab.vmforge(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error[${code}]`);
    expect(result.stderr).toContain(text);
    expect(result.stderr).toContain("fix:");
  });

  it("with nothing stopped, the list says so", async () => {
    const result = await lab.vmforge(["resume"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("Nothing to resume: no run of yours stopped before its end.");
  });
});
