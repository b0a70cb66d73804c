import { execFileSync } from "node:child_process";
import { appendFile, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitUntilReady, type WaitOptions } from "../src/wait-ready.js";

/** A clock that moves only when the wait sleeps, and a script of what happens at each sleep. */
function scripted(logPath: string, steps: Array<() => Promise<void> | void>, extra: Partial<WaitOptions> = {}): WaitOptions {
  let now = 0;
  let step = 0;
  return {
    logPath,
    timeoutMs: 60_000,
    gone: async () => undefined,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await steps[step++]?.();
    },
    ...extra,
  };
}

async function logFile(text = ""): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "vmforge-wait-")), "serial.log");
  if (text !== "") await writeFile(path, text);
  return path;
}

const FINAL = "Cloud-init v. 24.1.3 finished at Tue, 01 Dec 2026 10:00:00 +0000. Datasource DataSourceNoCloud.  Up 42.17 seconds";

describe("waiting for the guest", () => {
  it("follows the log as it grows (it may not exist yet) until the final message", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "vmforge-wait-")), "serial.log");
    const progress: Array<string | undefined> = [];
    const outcome = await waitUntilReady(
      scripted(path, [() => writeFile(path, "SeaBIOS\r\n"), () => appendFile(path, "Linux version 6.1\r\nCloud-init v. 24.1.3 fin"), () => appendFile(path, FINAL.slice("Cloud-init v. 24.1.3 fin".length) + "\r\n")], {
        onProgress: (_, line) => progress.push(line),
      }),
    );
    expect(outcome).toMatchObject({ state: "ready", how: "console", line: FINAL });
    // Once a second: nothing yet at first, then the latest console line.
    expect(progress[0]).toBeUndefined();
    expect(progress.slice(1).every((line) => typeof line === "string" && line.length > 0)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
  });

  it("a failure line ends the wait with the last lines of the log", async () => {
    const lines = Array.from({ length: 30 }, (_, index) => `line ${index}`);
    const path = await logFile(`${lines.join("\n")}\nKernel panic - not syncing: oops\n`);
    const outcome = await waitUntilReady(scripted(path, []));
    expect(outcome).toMatchObject({ state: "failed", reason: "the guest kernel panicked", line: "Kernel panic - not syncing: oops" });
    expect(outcome.state === "failed" && outcome.tail).toEqual([...lines.slice(-19), "Kernel panic - not syncing: oops"]);
  });

  it("times out with the tail, counting the clock, not the rounds", async () => {
    const path = await logFile("Booting from Hard Disk...\n");
    const outcome = await waitUntilReady(scripted(path, [], { timeoutMs: 5_000 }));
    expect(outcome).toMatchObject({ state: "timeout", tail: ["Booting from Hard Disk..."], seconds: 5 });
  });

  it("a FIFO or a symlink in the log's place is never read: the wait does not hang and ends at its timeout", async () => {
    const fifo = join(await mkdtemp(join(tmpdir(), "vmforge-wait-")), "serial.log");
    execFileSync("mkfifo", [fifo]);
    expect(await waitUntilReady(scripted(fifo, [], { timeoutMs: 3_000 }))).toMatchObject({ state: "timeout", tail: [], seconds: 3 });

    const secret = await logFile(`${FINAL}\n`);
    const link = join(await mkdtemp(join(tmpdir(), "vmforge-wait-")), "serial.log");
    await symlink(secret, link);
    expect(await waitUntilReady(scripted(link, [], { timeoutMs: 3_000 }))).toMatchObject({ state: "timeout", tail: [] });
  });

  it("a VM that is gone ends the wait; a failure line it left is the reason", async () => {
    const path = await logFile("booting\n");
    let alive = true;
    const exited = await waitUntilReady(scripted(path, [() => void (alive = false)], { gone: async () => (alive ? undefined : "QEMU exited") }));
    expect(exited).toMatchObject({ state: "exited", reason: "QEMU exited", tail: ["booting"] });

    const path2 = await logFile("booting\n");
    let alive2 = true;
    const panicked = await waitUntilReady(
      scripted(path2, [async () => {
        await appendFile(path2, "Kernel panic - not syncing\n");
        alive2 = false;
      }], { gone: async () => (alive2 ? undefined : "QEMU exited") }),
    );
    expect(panicked).toMatchObject({ state: "failed", reason: "the guest kernel panicked" });
  });

  it("a log truncated by a restart is read from its start again", async () => {
    const path = await logFile(`${"old boot\n".repeat(50)}`);
    const outcome = await waitUntilReady(scripted(path, [() => writeFile(path, `${FINAL}\n`)]));
    expect(outcome).toMatchObject({ state: "ready" });
  });

  it("the guest agent answering is ready too", async () => {
    const path = await logFile("");
    let asked = 0;
    const outcome = await waitUntilReady(scripted(path, [], { agentAnswers: async () => ++asked >= 2 }));
    expect(outcome).toMatchObject({ state: "ready", how: "guest-agent" });
    expect(asked).toBe(2);
  });
});
