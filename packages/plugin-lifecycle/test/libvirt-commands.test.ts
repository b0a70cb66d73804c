import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "./support/cli.js";

/**
 * A stand-in virsh first on PATH: it appends each call to calls.log and keeps the domain's
 * state in a file; `shutdown` leaves the domain running when IGNORE_SHUTDOWN is set; FAIL_START
 * makes `start` fail as virsh does.
 */
const FAKE_VIRSH = `#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls.log"
shift 2
state="$dir/state"
case "$1" in
  define) echo "Domain '$(basename "$2")' defined from $2" ;;
  start)
    if [ -n "\${FAIL_START:-}" ]; then echo "error: Failed to start domain '$2'" >&2; echo "error: internal error: process exited while connecting to monitor: Could not access KVM kernel module" >&2; exit 1; fi
    echo running > "$state"; echo "Domain '$2' started" ;;
  domstate)
    if [ -f "$state" ]; then cat "$state"; else echo "error: failed to get domain '$2'" >&2; exit 1; fi ;;
  shutdown) [ -n "\${IGNORE_SHUTDOWN:-}" ] || echo "shut off" > "$state"; echo "Domain '$2' is being shutdown" ;;
  destroy) echo "shut off" > "$state"; echo "Domain '$2' destroyed" ;;
  *) echo "error: unknown command $1" >&2; exit 1 ;;
esac
`;

describe("the libvirt path, with a stand-in virsh", () => {
  let sandbox: Sandbox;
  const calls = () => readFileSync(join(sandbox.bin, "calls.log"), "utf8").trim().split("\n");

  beforeAll(async () => {
    sandbox = await Sandbox.create();
    await sandbox.fakeProgram("virsh", FAKE_VIRSH);
    // Should a direct start slip through, it starts no real QEMU.
    await sandbox.useFakeQemu();
    await sandbox.apply("lv", { libvirt: true });
  });

  it("start defines domain.xml and starts the domain on the given URI; status and stop follow it there", async () => {
    const start = await sandbox.vmforge(["start", "lv", "--libvirt", "--connect", "test:///lv", "--json"]);
    expect(start.exitCode, start.stdout + start.stderr).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ vm: "lv", mode: "libvirt", uri: "test:///lv", serialLog: join(sandbox.runDir("lv"), "serial.log") });
    expect(calls()).toEqual(["-c test:///lv domstate lv", `-c test:///lv define ${join(sandbox.runDir("lv"), "domain.xml")}`, "-c test:///lv start lv"]);

    const again = await sandbox.vmforge(["start", "lv", "--libvirt", "--connect", "test:///lv"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("E_LIFECYCLE_ALREADY_RUNNING");

    // Nor directly with QEMU while libvirt runs it.
    const direct = await sandbox.vmforge(["start", "lv"]);
    expect(direct.exitCode).toBe(2);
    expect(direct.stderr).toContain("lv is already running: libvirt (test:///lv) has it running.");

    // No --libvirt: status remembers how the VM was started.
    const status = await sandbox.vmforge(["status", "lv", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ mode: "libvirt", uri: "test:///lv", state: "running", domainState: "running" });

    const stop = await sandbox.vmforge(["stop", "lv"]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toBe("lv powered off (virsh shutdown, libvirt test:///lv).");
  });

  it("a domain that ignores shutdown is destroyed after --timeout", async () => {
    writeFileSync(join(sandbox.bin, "calls.log"), "");
    expect((await sandbox.vmforge(["start", "lv", "--connect", "test:///lv"])).exitCode).toBe(0);
    const stop = await sandbox.vmforge(["stop", "lv", "--timeout", "1"], { IGNORE_SHUTDOWN: "1" });
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toContain("lv was destroyed (virsh destroy: it did not power off within 1 s)");
    expect(calls().slice(-2)[1]).toBe("-c test:///lv destroy lv");
  });

  it("virsh's own error is reported plainly, and LIBVIRT_DEFAULT_URI is the default URI", async () => {
    writeFileSync(join(sandbox.bin, "state"), "shut off\n");
    const start = await sandbox.vmforge(["start", "lv", "--libvirt"], { FAIL_START: "1", LIBVIRT_DEFAULT_URI: "qemu:///session" });
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain("error[E_LIFECYCLE_VIRSH]: Starting lv with libvirt failed: virsh -c qemu:///session start lv said: Failed to start domain 'lv'");
    expect(start.stderr).toContain("Could not access KVM kernel module");
  });
});
