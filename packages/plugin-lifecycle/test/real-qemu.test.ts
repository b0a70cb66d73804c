import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { all, itWhen, tool } from "@vmforge/test-support";
import { Sandbox } from "./support/cli.js";

/**
 * A real QEMU: a tiny TCG VM (BIOS, a blank disk, no display, no network) made by
 * `vmforge apply` and run through the built CLI. The guest boots nothing; what is tested is
 * the launch, the pid file and QMP, and the stop.
 */
const realQemu = all(tool("qemu-system-x86_64", "qemu-system-x86"), tool("qemu-img", "qemu-utils"));

describe("a tiny TCG VM, for real", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create();
  });
  afterAll(async () => {
    await sandbox?.vmforge(["stop", "tiny", "--force"]);
  });

  itWhen(realQemu)("apply, start, status, start again (refused), console log present, stop", async () => {
    await sandbox.apply("tiny", { disk: true });
    const runDir = sandbox.runDir("tiny");
    const start = await sandbox.vmforge(["start", "tiny", "--json"]);
    expect(start.exitCode, start.stdout + start.stderr).toBe(0);
    const report = JSON.parse(start.stdout) as { pid: number; accelerator: string; status: string; serialLog: string };
    expect(report).toMatchObject({ accelerator: "tcg", status: "running", serialLog: join(runDir, "serial.log") });
    expect(Number(readFileSync(join(runDir, "qemu.pid"), "utf8"))).toBe(report.pid);
    // QEMU made the serial log (logfile=) and the console socket server.
    expect(existsSync(join(runDir, "serial.log"))).toBe(true);
    expect(existsSync(join(runDir, "console.sock"))).toBe(true);

    const status = await sandbox.vmforge(["status", "tiny", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: "running", pid: report.pid, accelerator: "tcg", status: "running", uptimeSeconds: expect.any(Number) });
    const again = await sandbox.vmforge(["start", "tiny"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("E_LIFECYCLE_ALREADY_RUNNING");

    // The console socket takes a client; stdin's end (no terminal here) detaches.
    const console = await sandbox.vmforge(["console", "tiny"]);
    expect(console.exitCode, console.stderr).toBe(0);
    expect(console.stderr).toContain("Connected to tiny's serial console.");
    // Ctrl-] detaches, whatever follows it; the console takes the next client.
    const detached = await sandbox.vmforge(["console", "tiny"], {}, "\r\x1dnever sent");
    expect(detached.exitCode, detached.stderr).toBe(0);
    expect(detached.stderr).toContain("Detached from tiny's console.");

    // SeaBIOS on a blank disk never powers off on ACPI: the timeout, then SIGTERM.
    const stop = await sandbox.vmforge(["stop", "tiny", "--timeout", "1"]);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`^tiny was terminated \\(SIGTERM to QEMU pid ${report.pid}: it did not power off within 1 s\\)`));
    const after = await sandbox.vmforge(["status", "tiny", "--json"]);
    expect(JSON.parse(after.stdout)).toMatchObject({ state: "stopped", running: false });
    expect(readFileSync(join(runDir, "qemu.log"), "utf8")).toContain("terminating on signal 15");
  });
});
