import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { UIManager, type UiEnvelope, VmforgeError } from "@vmforge/kernel";
import { acquireLock, ownerOfThisProcess, type LockRequest } from "../src/run-lock.js";
import { readLock, serializeLock, type LockOwner } from "../src/lock-file.js";

const root = mkdtempSync(join(tmpdir(), "vmforge-recovery-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folder: string;
let messages: UiEnvelope[];
let counter = 0;
beforeEach(() => {
  folder = join(root, `case-${(counter += 1)}`);
  mkdirSync(folder, { mode: 0o700 });
  messages = [];
});

function request(overrides: Partial<LockRequest> = {}): LockRequest {
  const ui = new UIManager();
  ui.attach({ render: (message) => void messages.push(message) });
  return { path: join(folder, "web.lock"), vm: "web", dryRun: false, runId: "a".repeat(32), wait: false, retryHint: "vmforge apply web.toml --wait", resuming: false, signal: new AbortController().signal, ui, ...overrides };
}

async function lockOf(owner: Partial<LockOwner>): Promise<LockOwner> {
  const base = await ownerOfThisProcess({ vm: "web", dryRun: false, runId: "b".repeat(32) });
  const lock = { ...base, command: "vmforge apply other.toml", ...owner };
  writeFileSync(join(folder, "web.lock"), serializeLock(lock), { mode: 0o600 });
  return lock;
}

/** A pid no process has any more. */
function deadPid(): number {
  return spawnSync("true").pid!;
}

async function refusal(action: Promise<unknown>): Promise<VmforgeError> {
  const error = await action.then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof VmforgeError)) throw new Error(`expected a VmforgeError, got ${String(error)}`);
  return error;
}

describe("the lock of a VM", () => {
  it("is taken whole (0600), names this process, and is removed on release only while it is ours", async () => {
    const held = await acquireLock(request());
    const { owner } = (await readLock(held.path))!;
    expect(owner).toMatchObject({ vm: "web", pid: process.pid, runId: "a".repeat(32), host: expect.any(String), bootId: expect.any(String), startTime: expect.any(Number) });
    await held.release();
    expect(await readLock(held.path)).toBeUndefined();
  });

  it("a live owner stops a second run at once: E_RUN_BUSY, exit 75, naming pid, command and start", async () => {
    const owner = await lockOf({ pid: process.pid, runId: "c".repeat(32) });
    const error = await refusal(acquireLock(request()));
    expect(error.code).toBe("E_RUN_BUSY");
    expect(error.exitCode).toBe(75);
    expect(error.message).toBe(`web is being set up by another vmforge run: pid ${process.pid} ("vmforge apply other.toml", since ${owner.since}).`);
    expect(error.fix).toContain("vmforge apply web.toml --wait");
  });

  it("a dead owner's lock is taken over with a warning", async () => {
    await lockOf({ pid: deadPid() });
    const held = await acquireLock(request());
    expect((await readLock(held.path))!.owner.pid).toBe(process.pid);
    expect(messages).toMatchObject([{ type: "Warn", code: "W_LOCK_STALE" }]);
    expect((messages[0] as { text: string }).text).toContain("which is no longer running; this run takes it over");
  });

  it("a reused PID (a live process started at another time) and a lock from before a reboot are stale too", async () => {
    const sleeper = spawn("sleep", ["30"]);
    try {
      await lockOf({ pid: sleeper.pid!, startTime: 1 });
      await (await acquireLock(request())).release();
      await lockOf({ pid: sleeper.pid!, bootId: "00000000-0000-0000-0000-000000000000" });
      await (await acquireLock(request())).release();
      expect(messages.filter((message) => message.type === "Warn")).toHaveLength(2);
    } finally {
      sleeper.kill();
    }
  });

  it("a lock from another machine (a shared data folder) is never judged from here: busy, naming the host", async () => {
    await lockOf({ pid: deadPid(), host: "other-host" });
    const error = await refusal(acquireLock(request()));
    expect(error.code).toBe("E_RUN_BUSY");
    expect(error.message).toContain("on other-host");
  });

  it("--wait waits for the owner to let go, saying so once, then takes it", async () => {
    const first = await acquireLock(request({ runId: "d".repeat(32) }));
    const waiting = acquireLock(request({ wait: true }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(messages.map((message) => message.type)).toEqual(["Info"]);
    expect((messages[0] as { text: string }).text).toMatch(new RegExp(`^Waiting for pid ${process.pid} \\(".*", since ${first.owner.since}\\) to finish with web\\.\\.\\.$`));
    await first.release();
    const second = await waiting;
    expect(second.owner.runId).toBe("a".repeat(32));
  });

  it("a wait that is interrupted (Ctrl-C) ends with E_INTERRUPTED", async () => {
    await lockOf({ pid: process.pid, runId: "e".repeat(32) });
    const stop = new AbortController();
    const waiting = refusal(acquireLock(request({ wait: true, signal: stop.signal })));
    setTimeout(() => stop.abort("SIGINT"), 300);
    const error = await waiting;
    expect(error.code).toBe("E_INTERRUPTED");
    expect(error.exitCode).toBe(130);
    expect(error.message).toBe("Stopped by SIGINT while waiting for another run of the VM.");
  });

  it("two runs finding the same dead owner: exactly one takes the lock, the other is told it is busy", async () => {
    await lockOf({ pid: deadPid() });
    const results = await Promise.allSettled([acquireLock(request({ runId: "1".repeat(32) })), acquireLock(request({ runId: "2".repeat(32) }))]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as VmforgeError).code).toBe("E_RUN_BUSY");
  });

  it("a lock that cannot be written (the data folder lies below a file) is E_LOCK_WRITE with the folder to check", async () => {
    writeFileSync(join(folder, "not-a-folder"), "");
    const error = await refusal(acquireLock(request({ path: join(folder, "not-a-folder", "recovery", "web.lock") })));
    expect(error.code).toBe("E_LOCK_WRITE");
    expect(error.message).toContain("ENOTDIR");
    expect(error.fix).toContain(join(folder, "not-a-folder", "recovery"));
  });

  it("a lock that is not one vmforge writes, or that others may change, is refused (exit 2), never taken over", async () => {
    const path = join(folder, "web.lock");
    writeFileSync(path, "{ not json", { mode: 0o600 });
    expect(await refusal(acquireLock(request()))).toMatchObject({ code: "E_LOCK_INVALID", exitCode: 2 });
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, vm: "web" }), { mode: 0o600 });
    expect(await refusal(acquireLock(request()))).toMatchObject({ code: "E_LOCK_INVALID" });
    await lockOf({ pid: deadPid() });
    chmodSync(path, 0o666);
    expect(await refusal(acquireLock(request()))).toMatchObject({ code: "E_LOCK_UNSAFE", exitCode: 2 });
    rmSync(path);
    symlinkSync("/etc/passwd", path);
    expect(await refusal(acquireLock(request()))).toMatchObject({ code: "E_LOCK_UNSAFE" });
    expect(readFileSync("/etc/passwd", "utf8")).toContain("root:");
  });
});
