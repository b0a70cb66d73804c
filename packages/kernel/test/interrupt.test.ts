import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode, type Kernel } from "../src/index.js";
import { caught, kernelWith, plugin, stage, temporaryDir, treeOf } from "./helpers.js";

describe("interrupting a run", () => {
  it("lets the running stage finish, runs its post hooks, starts no further stage, and ends with E_INTERRUPTED (exit 130)", async () => {
    const log: string[] = [];
    let kernel!: Kernel;
    kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:one", {
          run: async () => {
            kernel.interrupt("SIGINT");
            await new Promise((resolve) => setTimeout(resolve, 20));
            log.push("p:one finished");
          },
        }),
        stage("p:two", { run: () => void log.push("p:two ran") }),
      ]),
    ]);
    kernel.stages.registerPostStageHook(({ stage: s, status }) => void log.push(`post ${s.id} ${status}`));
    let outcome: string | undefined;
    kernel.stages.registerRunEndHook((info) => void (outcome = info.outcome));
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_INTERRUPTED");
    expect(error.exitCode).toBe(ExitCode.interrupted);
    expect(error.message).toBe("Stopped by SIGINT before p:two.");
    expect(log).toEqual(["p:one finished", "post p:one done"]);
    expect(outcome).toBe("interrupted");
    expect(kernel.report().stages.map((s) => [s.id, s.status])).toEqual([["p:one", "done"]]);
  });

  it("SIGTERM ends with exit code 143", async () => {
    let kernel!: Kernel;
    kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: () => kernel.interrupt("SIGTERM") }), stage("p:two")])]);
    const error = await caught(() => kernel.run());
    expect(error.exitCode).toBe(ExitCode.terminated);
    expect(error.message).toContain("SIGTERM");
  });

  it("starts no new effect once stopped: the stage fails with the interruption and the file is not written", async () => {
    const dir = await temporaryDir();
    let kernel!: Kernel;
    kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:write", {
          run: async (ctx) => {
            await ctx.effects.writeFile(join(dir, "first"), "1");
            kernel.interrupt();
            expect(ctx.signal.aborted).toBe(true);
            await ctx.effects.writeFile(join(dir, "second"), "2");
          },
        }),
      ]),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_INTERRUPTED");
    expect(error.message).toBe("Stopped by SIGINT during p:write, before its next step.");
    expect(await treeOf(dir)).toEqual(["first"]);
    expect(kernel.report().stages.map((s) => s.status)).toEqual(["failed"]);
  });

  it("reports a stage that fails after the stop (its program was stopped too) as interrupted, with the failure as the cause", async () => {
    let kernel!: Kernel;
    kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:create", {
          run: () => {
            kernel.interrupt();
            throw new Error("qemu-img was killed by SIGINT");
          },
        }),
      ]),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_INTERRUPTED");
    expect(error.message).toBe("Stopped by SIGINT during p:create.");
    expect((error.cause as Error).message).toBe("qemu-img was killed by SIGINT");
  });

  it("a run stopped before it starts runs no stage", async () => {
    const ran: string[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: () => void ran.push("p:one") })])]);
    kernel.interrupt();
    const error = await caught(() => kernel.run());
    expect(error.message).toBe("Stopped by SIGINT before the first stage.");
    expect(ran).toEqual([]);
  });

  it("a run whose last stage finished after the stop is done", async () => {
    let kernel!: Kernel;
    kernel = await kernelWith([plugin("@test/p", [stage("p:last", { run: () => kernel.interrupt() })])]);
    const report = await kernel.run();
    expect(report.stages.map((s) => s.status)).toEqual(["done"]);
  });
});
