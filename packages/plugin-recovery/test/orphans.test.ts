import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { stopProgramsOfRun } from "../src/orphans.js";
import { isRunning } from "../src/process-identity.js";

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

describe("the programs a killed run left running", () => {
  it("are found by VMFORGE_RUN_ID and stopped (SIGTERM, SIGKILL when ignored); other programs are left alone", async () => {
    const runId = "9".repeat(32);
    const env = { ...process.env, VMFORGE_RUN_ID: runId };
    const polite = spawn("sleep", ["30"], { env });
    // A program that ignores SIGTERM gets SIGKILL after the grace period.
    const stubborn = spawn("sh", ["-c", "trap '' TERM; sleep 30 & wait"], { env });
    const stranger = spawn("sleep", ["30"], { env: { ...process.env, VMFORGE_RUN_ID: "8".repeat(32) } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      const stopped = await stopProgramsOfRun(runId);
      expect(stopped.map((orphan) => orphan.pid).sort()).toEqual(expect.arrayContaining([polite.pid, stubborn.pid].sort()));
      expect(stopped.find((orphan) => orphan.pid === polite.pid)?.command).toBe("sleep 30");
      await Promise.all([exited(polite), exited(stubborn)]);
      expect(polite.signalCode).toBe("SIGTERM");
      expect(stubborn.signalCode).toBe("SIGKILL");
      expect(await isRunning(stranger.pid!)).toBe(true);
    } finally {
      for (const child of [polite, stubborn, stranger]) child.kill("SIGKILL");
    }
  }, 15_000);

  it("none found, nothing done", async () => {
    expect(await stopProgramsOfRun("7".repeat(32))).toEqual([]);
  });
});
