import { spawnSync } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { itWhen, requirement } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { shellQuote } from "../src/launch-script.js";
import { fakeEnvironment } from "./support/environment.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tempDir, tomlFile } from "./support/temp.js";

/*
 * launch.sh decides between KVM and TCG where it runs. The host's own /dev/kvm must not decide
 * the test: each branch runs in a private mount namespace whose /dev is a fresh tmpfs, with or
 * without a read-write /dev/kvm file in it (the script only asks `[ -r ] && [ -w ]`).
 */
const privateDev = requirement(spawnSync("unshare", ["-m", "sh", "-c", "mount -t tmpfs none /dev"], { stdio: "ignore" }).status === 0, "a private mount namespace with its own /dev (unshare -m, as root) is not available");

async function generated(toml: string, kvm: boolean) {
  const config = await tomlFile(`[vm]\nname = "fallback"\n[firmware]\ntype = "bios"\n${toml}`);
  const { kernel, outputDir } = await runPipeline(config, { environment: fakeEnvironment({ kvm }) });
  const { argv, launchScript } = kernel.session.get(qemuCommandKey)!;
  const definition = kernel.session.get(vmDefinitionKey)!;
  return { argv, launchScript, definition, script: join(outputDir!, "launch.sh") };
}

/** Runs launch.sh with a stand-in qemu-system-x86_64 first on PATH that records its arguments. */
async function launch(script: string, kvmDevice: boolean, extra: string[] = []) {
  const bin = await tempDir();
  const record = join(bin, "args");
  await writeFile(join(bin, "qemu-system-x86_64"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > ${shellQuote(record)}\n`);
  await chmod(join(bin, "qemu-system-x86_64"), 0o755);
  const dev = kvmDevice ? "touch /dev/kvm && chmod 600 /dev/kvm && " : "";
  const result = spawnSync("unshare", ["-m", "sh", "-c", `mount -t tmpfs none /dev && ${dev}exec "$0" "$@"`, script, ...extra], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
  const args = result.status === 0 ? (await readFile(record, "utf8")).split("\0").slice(0, -1) : [];
  return { status: result.status, stderr: result.stderr, args };
}

describe("launch.sh without KVM", () => {
  itWhen(privateDev)("a KVM definition keeps qemu-command.json's argv exactly when /dev/kvm is usable", async () => {
    const { argv, script } = await generated('[cpu]\nmodel = "host-passthrough"\n', true);
    expect(argv).toEqual(expect.arrayContaining(["-machine", "type=q35,accel=kvm", "-cpu", "host"]));
    const run = await launch(script, true, ["-pidfile", "/x/qemu.pid"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.args).toEqual([...argv.slice(1), "-pidfile", "/x/qemu.pid"]);
  });

  itWhen(privateDev)("falls back to TCG and -cpu max with a warning when /dev/kvm is missing; only those two values change", async () => {
    const { argv, script } = await generated('[cpu]\nmodel = "host-passthrough"\n', true);
    const run = await launch(script, false);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("launch.sh: warning: /dev/kvm is not usable here");
    expect(run.stderr).toContain("-cpu max instead of host");
    const expected = argv.slice(1).map((arg) => (arg === "type=q35,accel=kvm" ? "type=q35,accel=tcg" : arg === "host" ? "max" : arg));
    expect(run.args).toEqual(expected);
    expect(run.args).not.toEqual(argv.slice(1));
  });

  itWhen(privateDev)("a named CPU model is kept under TCG; only the accelerator changes", async () => {
    const { argv, script } = await generated('[cpu]\nmodel = "Skylake-Client"\n', true);
    const run = await launch(script, false);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("starts under TCG");
    expect(run.stderr).not.toContain("-cpu max");
    expect(run.args).toEqual(argv.slice(1).map((arg) => (arg === "type=q35,accel=kvm" ? "type=q35,accel=tcg" : arg)));
  });

  it("a TCG definition has no check at all: it runs the same anywhere", async () => {
    const { launchScript } = await generated("", false);
    expect(launchScript).not.toContain("[ -r /dev/kvm ]");
    expect(launchScript).not.toContain('"$machine"');
  });

  it("parses as sh and names the serial console and its log for a person who runs it by hand", async () => {
    const { launchScript, definition } = await generated("", true);
    expect(spawnSync("sh", ["-n", "-c", launchScript]).status).toBe(0);
    expect(definition.serial).toEqual({ type: "socket", path: join(definition.runDir, "console.sock"), log: join(definition.runDir, "serial.log") });
    expect(launchScript).toContain("if [ -t 2 ]; then");
    expect(launchScript).toContain("vmforge console fallback");
  });
});
