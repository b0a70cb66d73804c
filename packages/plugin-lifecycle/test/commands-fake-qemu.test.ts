import { execFileSync, spawn } from "node:child_process";
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "./support/cli.js";

/*
 * Every command through the built CLI, with a stand-in QEMU (test/support/fake-qemu.mjs) first
 * on PATH: it writes the pid file, answers QMP and writes the serial log the test asks for.
 * VMs without disks need no qemu-img.
 */
describe("vmforge start/status/stop with a stand-in QEMU", () => {
  let sandbox: Sandbox;
  const started: string[] = [];

  beforeAll(async () => {
    sandbox = await Sandbox.create();
    await sandbox.useFakeQemu();
  });

  afterEach(async () => {
    for (const name of started.splice(0)) await sandbox.vmforge(["stop", name, "--force"]);
  });

  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

  it("start, status, stop: the pid file, QMP's status and accelerator, an ACPI power-off", async () => {
    await sandbox.apply("fake-a");
    const start = await sandbox.vmforge(["start", "fake-a", "--json"]);
    expect(start.exitCode, start.stderr + start.stdout).toBe(0);
    started.push("fake-a");
    const report = json(start.stdout);
    expect(report).toMatchObject({ vm: "fake-a", started: true, mode: "qemu", accelerator: "tcg", status: "running", serialLog: join(sandbox.runDir("fake-a"), "serial.log") });
    const pid = Number(readFileSync(join(sandbox.runDir("fake-a"), "qemu.pid"), "utf8"));
    expect(report.pid).toBe(pid);

    const status = await sandbox.vmforge(["status", "fake-a", "--json"]);
    expect(json(status.stdout)).toMatchObject({ vm: "fake-a", state: "running", running: true, pid, accelerator: "tcg", status: "running" });
    const text = await sandbox.vmforge(["status", "fake-a"]);
    expect(text.stdout).toMatch(new RegExp(`^fake-a: running \\(QEMU pid ${pid}, TCG`));

    const again = await sandbox.vmforge(["start", "fake-a"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("E_LIFECYCLE_ALREADY_RUNNING");
    expect(again.stderr).toContain(`pid ${pid}`);

    const stop = await sandbox.vmforge(["stop", "fake-a", "--json"]);
    expect(stop.exitCode).toBe(0);
    expect(json(stop.stdout)).toEqual({ vm: "fake-a", mode: "qemu", stopped: true, how: "powered-off" });
    expect(existsSync(join(sandbox.runDir("fake-a"), "qemu.pid"))).toBe(false);
    expect(json((await sandbox.vmforge(["status", "fake-a", "--json"])).stdout)).toMatchObject({ state: "stopped", running: false });
    const twice = await sandbox.vmforge(["stop", "fake-a"]);
    expect(twice.exitCode).toBe(0);
    expect(twice.stdout).toBe("fake-a is not running.");
  });

  it("a guest that ignores the power button is terminated after --timeout, and stop says so", async () => {
    await sandbox.apply("fake-b");
    expect((await sandbox.vmforge(["start", "fake-b"], { FAKE_QEMU_IGNORE_POWERDOWN: "1" })).exitCode).toBe(0);
    started.push("fake-b");
    const stop = await sandbox.vmforge(["stop", "fake-b", "--timeout", "1"]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toContain("fake-b was terminated (SIGTERM to QEMU pid");
    expect(stop.stdout).toContain("it did not power off within 1 s");
  });

  it("--wait: ready on cloud-init's final message; the JSON names the line", async () => {
    await sandbox.apply("fake-c");
    const serial = "SeaBIOS (version 1.16)|[    0.000000] Linux version 6.1.0|Cloud-init v. 22.4.2 finished at Tue, 01 Dec 2026 10:00:00 +0000. Datasource DataSourceNoCloud [seed=/dev/sr0][dsmode=net].  Up 42.00 seconds";
    const start = await sandbox.vmforge(["start", "fake-c", "--wait", "--json"], { FAKE_QEMU_SERIAL: serial });
    started.push("fake-c");
    expect(start.exitCode, start.stdout).toBe(0);
    expect(json(start.stdout)).toMatchObject({ vm: "fake-c", ready: true, readyBy: "console", readyLine: expect.stringContaining("Cloud-init v. 22.4.2 finished at") });
    expect(readFileSync(join(sandbox.runDir("fake-c"), "serial.log"), "utf8")).toContain("Linux version");
  });

  it("--wait fails fast with the reason and the log's tail on DataSourceNone", async () => {
    await sandbox.apply("fake-d");
    const serial = "[   10.0] cloud-init[300]: Cloud-init v. 22.4.2 running 'init'|Cloud-init v. 22.4.2 finished at Tue, 01 Dec 2026 10:00:00 +0000. Datasource DataSourceNone.  Up 42.00 seconds";
    const start = await sandbox.vmforge(["start", "fake-d", "--wait", "--timeout", "600"], { FAKE_QEMU_SERIAL: serial });
    started.push("fake-d");
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain("error[E_LIFECYCLE_GUEST_FAILED]: fake-d did not come up: cloud-init found no datasource (DataSourceNone)");
    expect(start.stderr).toContain("The last 2 lines of");
    expect(start.stderr).toContain("running 'init'");
    expect(start.stderr).toContain("vmforge stop fake-d");
  });

  it("--wait: QEMU exiting while the guest boots is a failure with the console's tail and the reason on it", async () => {
    await sandbox.apply("fake-e");
    const start = await sandbox.vmforge(["start", "fake-e", "--wait", "--json"], { FAKE_QEMU_SERIAL: "Booting the kernel|Kernel panic - not syncing: VFS: Unable to mount root fs", FAKE_QEMU_DIE_AFTER_SERIAL: "1" });
    expect(start.exitCode).toBe(1);
    const error = json(start.stdout).error as Record<string, string>;
    expect(error.code).toBe("E_LIFECYCLE_GUEST_FAILED");
    expect(error.message).toContain("the guest kernel panicked");
    expect(error.why).toContain("Kernel panic - not syncing");
  });

  it("--wait --timeout: not ready in time is a failure that leaves the VM running", async () => {
    await sandbox.apply("fake-f");
    const start = await sandbox.vmforge(["start", "fake-f", "--wait", "--timeout", "1"], { FAKE_QEMU_SERIAL: "SeaBIOS (version 1.16)|Booting from Hard Disk..." });
    started.push("fake-f");
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain("error[E_LIFECYCLE_WAIT_TIMEOUT]: fake-f was not ready within 1 s");
    expect(start.stderr).toContain("Booting from Hard Disk...");
    expect(json((await sandbox.vmforge(["status", "fake-f", "--json"])).stdout)).toMatchObject({ running: true });
  });

  it("QEMU dying at once: exit 1 with qemu.log's tail, no pid file left, and the VM stopped", async () => {
    await sandbox.apply("fake-g");
    const start = await sandbox.vmforge(["start", "fake-g"], { FAKE_QEMU_EXIT: "1", FAKE_QEMU_STDERR: "qemu-system-x86_64: -blockdev driver=file: Could not open '/gone.qcow2': No such file or directory" });
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain("error[E_LIFECYCLE_QEMU_EXITED]: fake-g did not start: QEMU exited with code 1.");
    expect(start.stderr).toContain("qemu.log ends with:");
    expect(start.stderr).toContain("Could not open '/gone.qcow2'");
    expect(existsSync(join(sandbox.runDir("fake-g"), "qemu.pid"))).toBe(false);
    expect(json((await sandbox.vmforge(["status", "fake-g", "--json"])).stdout)).toMatchObject({ state: "stopped" });
  });

  it("a stale pid file naming a live process that is not the VM's QEMU: stopped, the process left alone, start goes ahead", async () => {
    await sandbox.apply("fake-h");
    const bystander = spawn("sleep", ["600"], { stdio: "ignore" });
    try {
      writeFileSync(join(sandbox.runDir("fake-h"), "qemu.pid"), `${bystander.pid}\n`);
      const status = await sandbox.vmforge(["status", "fake-h", "--json"]);
      expect(json(status.stdout)).toMatchObject({ state: "stopped", stalePid: bystander.pid });
      const stop = await sandbox.vmforge(["stop", "fake-h", "--force"]);
      expect(stop.stdout).toContain("is not running (its stale pid file");
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
      writeFileSync(join(sandbox.runDir("fake-h"), "qemu.pid"), `${bystander.pid}\n`);
      const start = await sandbox.vmforge(["start", "fake-h", "--json"]);
      started.push("fake-h");
      expect(start.exitCode, start.stdout).toBe(0);
      expect(json(start.stdout).pid).not.toBe(bystander.pid);
    } finally {
      bystander.kill("SIGKILL");
    }
  });

  it("files planted in the run folder: a qemu.log symlink is refused, a qemu.pid symlink or FIFO is removed, their targets untouched", async () => {
    await sandbox.apply("fake-j");
    const runDir = sandbox.runDir("fake-j");
    const target = join(sandbox.root, "precious.txt");
    writeFileSync(target, "keep me\n");
    symlinkSync(target, join(runDir, "qemu.log"));
    const refused = await sandbox.vmforge(["start", "fake-j"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("qemu.log cannot be written: it is a symbolic link.");
    expect(readFileSync(target, "utf8")).toBe("keep me\n");

    rmSync(join(runDir, "qemu.log"));
    symlinkSync(target, join(runDir, "qemu.pid"));
    const start = await sandbox.vmforge(["start", "fake-j"]);
    started.push("fake-j");
    expect(start.exitCode, start.stderr).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("keep me\n");
    expect(lstatSync(join(runDir, "qemu.pid")).isFile()).toBe(true);
    expect((await sandbox.vmforge(["stop", "fake-j"])).exitCode).toBe(0);

    execFileSync("mkfifo", [join(runDir, "qemu.pid")]);
    const status = await sandbox.vmforge(["status", "fake-j", "--json"]);
    expect(json(status.stdout)).toMatchObject({ state: "stopped" });
    expect((await sandbox.vmforge(["start", "fake-j"])).exitCode).toBe(0);
  });

  it("console: refused while stopped; attached while running, it shows what the guest writes and ends with stdin", async () => {
    await sandbox.apply("fake-i");
    const stopped = await sandbox.vmforge(["console", "fake-i"]);
    expect(stopped.exitCode).toBe(2);
    expect(stopped.stderr).toContain("E_LIFECYCLE_NOT_RUNNING");
    expect((await sandbox.vmforge(["start", "fake-i"])).exitCode).toBe(0);
    started.push("fake-i");
    // The stand-in has no serial socket server: the console's own connection error is reported.
    const attached = await sandbox.vmforge(["console", "fake-i"]);
    expect(attached.exitCode).toBe(1);
    expect(attached.stderr).toContain("The console of fake-i failed");
  });
});
