import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { execa } from "execa";
import { describeWhen, itWhen } from "@vmforge/test-support";
import { freshUser, testKey, type FreshUser, type TestKey, type VmforgeRun } from "./fresh-user.js";
import { findMarker, guestToml, USER } from "./guest-request.js";
import { serveImage, type ImageServer } from "./image-server.js";
import { startPrivateLibvirtd, type PrivateLibvirtd } from "@vmforge/test-support";
import { libvirtBootRequirement, qemuBootRequirement } from "./requirements.js";
import { relabelIso } from "./seed-damage.js";

/*
 * A real Debian guest, from a download to cloud-init's last word, through vmforge's public
 * commands only, as a user who has never run vmforge (`--host-root` not given: this host; no
 * KVM here, so the definition records TCG): apply, start --wait, the guest's own marker on the
 * serial console, stop. Once with QEMU directly, once under a libvirtd of the test's own, and
 * once with a seed cloud-init cannot find, which must fail fast with the log's reason.
 */

const WAIT_TIMEOUT_SECONDS = 900;
const figures: string[] = [];

function output(run: VmforgeRun): string {
  return `exit ${run.exitCode} after ${run.seconds.toFixed(1)} s\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function json(run: VmforgeRun): Record<string, unknown> {
  const text = run.stdout.trim() || run.stderr.trim();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`not one JSON document:\n${output(run)}`);
  }
}

/**
 * Whether the process still runs. A zombie does not: a QEMU started detached outlives the `start`
 * that spawned it, and once it exits it waits for init to reap it (which a container's init may
 * never do).
 */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Whether the process is gone within ten seconds (its exit is asynchronous to the command that ended it). */
async function pidGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return false;
}

/** The serial log's last lines, for a failure message. */
function serialTail(path: string | undefined, lines = 40): string {
  if (!path || !existsSync(path)) return "(no serial log)";
  return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
}

describeWhen(qemuBootRequirement())("a Debian guest, downloaded, set up and booted by vmforge", () => {
  const image = inject("guestImage");
  const withLibvirt = libvirtBootRequirement();
  let server: ImageServer;
  let user: FreshUser;
  let key: TestKey;
  let libvirtd: PrivateLibvirtd | undefined;
  /** VMs apply set up (the boots need it), and VMs a test started (stopped in afterAll whatever happened). */
  const applied = new Set<string>();
  const started = new Set<string>();
  const vms = [
    { name: "boot-qemu", libvirt: false },
    ...(withLibvirt.met ? [{ name: "boot-libvirt", libvirt: true }] : []),
    { name: "boot-broken", libvirt: false },
  ];

  beforeAll(async () => {
    if (!image) throw new Error("global setup provided no guest image although this machine can build one");
    server = await serveImage(image);
    user = freshUser();
    key = await testKey(user.dir);
    figures.push(`guest image: ${(image.bytes / 2 ** 20).toFixed(0)} MiB, ${image.built ? "built" : "from the cache"} in ${image.seconds.toFixed(1)} s`);
    if (withLibvirt.met) libvirtd = await startPrivateLibvirtd();
  });

  afterAll(async () => {
    for (const name of started) await user?.vmforge(["stop", name, "--force", "--timeout", "20"], { timeoutSeconds: 120 });
    // Then the daemon destroys whatever of its domains is left.
    await libvirtd?.stop();
    await server?.close();
    user?.remove();
    if (figures.length) process.stdout.write(`\n[boot] figures:\n${figures.map((line) => `  ${line}`).join("\n")}\n`);
  });

  function runDirOf(name: string): string {
    return join(user.env.VMFORGE_DATA_HOME!, "vms", name);
  }

  function expectApplied(name: string): void {
    expect(applied.has(name), `${name} was not applied: see the apply test`).toBe(true);
  }

  /** The guest's own words: its hostname, the user cloud-init made, and the key it was given. */
  function judgeMarker(serialLog: string, name: string): void {
    const log = readFileSync(serialLog, "utf8");
    const marker = findMarker(log);
    expect(marker, `no marker in ${serialLog}:\n${serialTail(serialLog)}`).toBeDefined();
    expect(marker!.hostname).toBe(name);
    expect(marker!.id).toMatch(new RegExp(`^uid=\\d+\\(${USER}\\) gid=\\d+\\(${USER}\\)`));
    expect(marker!.id).not.toMatch(/^uid=0\(/);
    expect(marker!.fingerprint).toBe(key.fingerprint);
    expect(log).toMatch(/Cloud-init v\. \S+ finished at .*Datasource DataSourceNoCloud/);
  }

  it("apply sets up each VM; the image comes through vmforge's download from the local mirror, once for all, verified and cached", async () => {
    const folder = join(user.dir, "requests");
    mkdirSync(folder, { recursive: true });
    for (const vm of vms) {
      const toml = join(folder, `${vm.name}.toml`);
      writeFileSync(
        toml,
        guestToml({ name: vm.name, imageUrl: `${server.origin}/guest.qcow2`, checksumsUrl: `${server.origin}/SHA256SUMS`, publicKey: key.publicKey, libvirt: vm.libvirt }),
      );
      const apply = await user.vmforge(["apply", toml]);
      expect(apply.exitCode, output(apply)).toBe(0);
      expect(apply.stdout + apply.stderr).toContain(runDirOf(vm.name));
      expect(existsSync(join(runDirOf(vm.name), "seed.iso")), "apply wrote the seed").toBe(true);
      if (vm.libvirt) expect(existsSync(join(runDirOf(vm.name), "domain.xml")), "apply wrote domain.xml").toBe(true);
      figures.push(`apply ${vm.name}: ${apply.seconds.toFixed(1)} s`);
      applied.add(vm.name);
    }
    const downloads = server.requests.filter((request) => request.method === "GET" && request.path === "/guest.qcow2");
    expect(downloads.length, JSON.stringify(server.requests)).toBe(1);
    const cacheFolder = join(user.env.XDG_CACHE_HOME!, "vmforge", "images");
    const cached = listFiles(cacheFolder).filter((path) => statSync(path).size === image!.bytes);
    expect(cached, `the verified image in ${cacheFolder}`).toHaveLength(1);
  });

  // The boots at once: three TCG guests of one vCPU each take about the time of one and a half.
  describe.concurrent("booted together", () => {
    it("QEMU: start --wait returns on cloud-init's final message, the marker is the guest's, stop ends QEMU", async () => {
      const name = "boot-qemu";
      expectApplied(name);
      started.add(name);
      const start = await user.vmforge(["start", name, "--wait", "--timeout", String(WAIT_TIMEOUT_SECONDS), "--json"], { timeoutSeconds: WAIT_TIMEOUT_SECONDS + 120 });
      const startedDoc = start.exitCode === 0 ? json(start) : {};
      expect(start.exitCode, `${output(start)}\n--- serial\n${serialTail(join(runDirOf(name), "serial.log"))}`).toBe(0);
      expect(startedDoc).toMatchObject({ vm: name, mode: "qemu", accelerator: "tcg", runDir: runDirOf(name), serialLog: join(runDirOf(name), "serial.log") });
      figures.push(`QEMU: start --wait ready after ${start.seconds.toFixed(1)} s (start says ${String(startedDoc.readyAfterSeconds)} s)`);
      judgeMarker(startedDoc.serialLog as string, name);

      const status = await user.vmforge(["status", name, "--json"]);
      expect(status.exitCode, output(status)).toBe(0);
      const running = json(status);
      expect(running).toMatchObject({ vm: name, mode: "qemu", state: "running", running: true });
      const pid = running.pid as number;
      expect(pidAlive(pid)).toBe(true);

      const stop = await user.vmforge(["stop", name, "--json"], { timeoutSeconds: 300 });
      expect(stop.exitCode, output(stop)).toBe(0);
      expect(json(stop)).toMatchObject({ vm: name, stopped: true });
      figures.push(`QEMU: stop (${String(json(stop).how)}) in ${stop.seconds.toFixed(1)} s`);
      started.delete(name);
      expect(await pidGone(pid), `QEMU pid ${pid} is gone`).toBe(true);
      const after = await user.vmforge(["status", name, "--json"]);
      expect(json(after)).toMatchObject({ vm: name, state: "stopped", running: false });
    });

    itWhen(withLibvirt)("libvirt: the private daemon runs a tiny domain (virsh define, start, destroy)", async () => {
      const xml = join(libvirtd!.dir, "tiny.xml");
      writeFileSync(
        xml,
        `<domain type='qemu'><name>boot-tiny</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`,
      );
      for (const step of [["define", xml], ["start", "boot-tiny"], ["destroy", "boot-tiny"], ["undefine", "boot-tiny"]]) {
        const result = await execa("virsh", ["-c", libvirtd!.uri, ...step], { reject: false });
        expect(result.exitCode, `virsh ${step.join(" ")}: ${result.stderr}\n${libvirtd!.logs()}`).toBe(0);
      }
    });

    itWhen(withLibvirt)("libvirt: start --libvirt --connect --wait, the marker, then status and stop through the same connection", async () => {
      const name = "boot-libvirt";
      expectApplied(name);
      const uri = libvirtd!.uri;
      started.add(name);
      const start = await user.vmforge(["start", name, "--libvirt", "--connect", uri, "--wait", "--timeout", String(WAIT_TIMEOUT_SECONDS), "--json"], {
        timeoutSeconds: WAIT_TIMEOUT_SECONDS + 120,
      });
      const startedDoc = start.exitCode === 0 ? json(start) : {};
      expect(start.exitCode, `${output(start)}\n--- serial\n${serialTail(join(runDirOf(name), "serial.log"))}\n${libvirtd!.logs()}`).toBe(0);
      expect(startedDoc).toMatchObject({ vm: name, mode: "libvirt", uri, runDir: runDirOf(name), serialLog: join(runDirOf(name), "serial.log") });
      figures.push(`libvirt: start --wait ready after ${start.seconds.toFixed(1)} s (start says ${String(startedDoc.readyAfterSeconds)} s)`);
      judgeMarker(startedDoc.serialLog as string, name);

      const domstate = await execa("virsh", ["-c", uri, "domstate", name], { reject: false });
      expect(domstate.stdout.trim()).toBe("running");
      const pid = Number(readFileSync(join(libvirtd!.dir, "run", "qemu", `${name}.pid`), "utf8").trim());
      expect(pidAlive(pid)).toBe(true);

      // status and stop find the connection the VM was started with.
      const status = await user.vmforge(["status", name, "--json"]);
      expect(status.exitCode, output(status)).toBe(0);
      expect(json(status)).toMatchObject({ vm: name, mode: "libvirt", state: "running" });

      const stop = await user.vmforge(["stop", name, "--json"], { timeoutSeconds: 300 });
      expect(stop.exitCode, `${output(stop)}\n${libvirtd!.logs()}`).toBe(0);
      expect(json(stop)).toMatchObject({ vm: name, mode: "libvirt", stopped: true });
      figures.push(`libvirt: stop (${String(json(stop).how)}) in ${stop.seconds.toFixed(1)} s`);
      started.delete(name);
      const stopped = await execa("virsh", ["-c", uri, "domstate", name], { reject: false });
      expect(stopped.stdout.trim()).toBe("shut off");
      expect(await pidGone(pid), `QEMU pid ${pid} is gone`).toBe(true);
    });

    it("a seed cloud-init cannot find (its volume label is not cidata): start --wait fails fast with DataSourceNone from the serial log", async () => {
      const name = "boot-broken";
      expectApplied(name);
      expect(relabelIso(join(runDirOf(name), "seed.iso"), "NOTCIDATA")).toContain("cidata");

      started.add(name);
      const start = await user.vmforge(["start", name, "--wait", "--timeout", String(WAIT_TIMEOUT_SECONDS), "--json"], { timeoutSeconds: WAIT_TIMEOUT_SECONDS + 120 });
      figures.push(`broken seed: start --wait failed after ${start.seconds.toFixed(1)} s (timeout ${WAIT_TIMEOUT_SECONDS} s)`);
      expect(start.exitCode, `${output(start)}\n--- serial\n${serialTail(join(runDirOf(name), "serial.log"))}`).toBe(1);
      const failure = json(start) as { ok?: boolean; error?: { code?: string; message?: string; why?: string } };
      expect(failure.ok).toBe(false);
      expect(failure.error?.code).toBe("E_LIFECYCLE_GUEST_FAILED");
      expect(`${failure.error?.message}\n${failure.error?.why}`).toContain("DataSourceNone");
      // The guest's reason, seen on the console as cloud-init ends (as soon as a good boot is
      // ready): not E_LIFECYCLE_WAIT_TIMEOUT at the end of the wait. The seconds are reported, not
      // judged: they follow the machine's load.
      expect(start.seconds).toBeLessThan(WAIT_TIMEOUT_SECONDS);
      expect(readFileSync(join(runDirOf(name), "serial.log"), "utf8")).toMatch(/Datasource DataSourceNone/);

      const stop = await user.vmforge(["stop", name, "--force", "--json"], { timeoutSeconds: 120 });
      expect(stop.exitCode, output(stop)).toBe(0);
      started.delete(name);
    });
  });
});

function listFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
