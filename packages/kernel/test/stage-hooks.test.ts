import { describe, expect, it } from "vitest";
import type { StageHookInfo } from "../src/index.js";
import { caught, kernelWith, plugin, sleep, stage } from "./helpers.js";

describe("stage hooks", () => {
  it("runs pre hooks before each stage and post hooks after it, each in registration order", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:one", { run: () => void log.push("run p:one") }), stage("p:two", { run: () => void log.push("run p:two") })]),
    ]);
    kernel.stages.registerPreStageHook(({ stage: s }) => void log.push(`pre1 ${s.id}`));
    kernel.stages.registerPreStageHook(({ stage: s }) => void log.push(`pre2 ${s.id}`));
    kernel.stages.registerPostStageHook(({ stage: s, status }) => void log.push(`post1 ${s.id} ${status}`));
    kernel.stages.registerPostStageHook(({ stage: s, status }) => void log.push(`post2 ${s.id} ${status}`));
    await kernel.run();
    expect(log).toEqual([
      "pre1 p:one",
      "pre2 p:one",
      "run p:one",
      "post1 p:one done",
      "post2 p:one done",
      "pre1 p:two",
      "pre2 p:two",
      "run p:two",
      "post1 p:two done",
      "post2 p:two done",
    ]);
  });

  it("waits for an asynchronous hook before going on", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: () => void log.push("run") })])]);
    kernel.stages.registerPreStageHook(async () => {
      await sleep(20);
      log.push("slow pre done");
    });
    await kernel.run();
    expect(log).toEqual(["slow pre done", "run"]);
  });

  it("gives post hooks the status and the duration of the stage itself", async () => {
    const seen: StageHookInfo[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:slow", { run: () => sleep(30) })])]);
    kernel.stages.registerPreStageHook(() => sleep(200));
    kernel.stages.registerPostStageHook((info) => void seen.push(info));
    const report = await kernel.run();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.status).toBe("done");
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(25);
    expect(seen[0]!.durationMs).toBeLessThan(200);
    expect(seen[0]!.context.stageId).toBe("p:slow");
    expect(report.stages[0]!.durationMs).toBe(seen[0]!.durationMs);
  });

  it("shows skipped stages to post hooks but not to pre hooks", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:never", { when: () => false })])]);
    kernel.stages.registerPreStageHook(({ stage: s }) => void log.push(`pre ${s.id}`));
    kernel.stages.registerPostStageHook(({ stage: s, status, durationMs }) => void log.push(`post ${s.id} ${status} ${durationMs}`));
    await kernel.run();
    expect(log).toEqual(["post p:never skipped 0"]);
  });

  it("shows a failed stage to post hooks with its error, and still reports the stage's error", async () => {
    const seen: StageHookInfo[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:bad", { run: () => Promise.reject(new Error("disk full")) })])]);
    kernel.stages.registerPostStageHook((info) => void seen.push(info));
    kernel.stages.registerPostStageHook(() => {
      throw new Error("hook broke too");
    });
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_FAILED");
    expect(error.message).toContain("disk full");
    expect(seen.map((info) => info.status)).toEqual(["failed"]);
    expect(seen[0]!.error?.message).toContain("disk full");
  });

  it("lets a plugin's setup() register hooks", async () => {
    const log: string[] = [];
    const recorder = plugin("@test/recorder", [], {
      setup: (api) => {
        api.registerPreStageHook(({ stage: s }) => void log.push(`pre ${s.id}`));
        api.registerPostStageHook(({ stage: s, status }) => void log.push(`post ${s.id} ${status}`));
      },
    });
    const kernel = await kernelWith([recorder, plugin("@test/p", [stage("p:one")])]);
    await kernel.run();
    expect(log).toEqual(["pre p:one", "post p:one done"]);
  });

  it("stops the run with E_HOOK_FAILED naming the stage when a pre hook throws; the stage does not run", async () => {
    const ran: string[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: () => void ran.push("p:one") }), stage("p:two", { run: () => void ran.push("p:two") })])]);
    kernel.stages.registerPreStageHook(({ stage: s }) => {
      if (s.id === "p:two") throw new Error("checkpoint folder is read-only");
    });
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_HOOK_FAILED");
    expect(error.message).toContain("p:two");
    expect(error.message).toContain("checkpoint folder is read-only");
    expect(ran).toEqual(["p:one"]);
  });

  it("stops the run with E_HOOK_FAILED when a post hook throws; later stages do not run", async () => {
    const ran: string[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: () => void ran.push("p:one") }), stage("p:two", { run: () => void ran.push("p:two") })])]);
    kernel.stages.registerPostStageHook(() => Promise.reject(new Error("cannot save")));
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_HOOK_FAILED");
    expect(error.message).toMatch(/post-stage hook.*p:one/);
    expect(ran).toEqual(["p:one"]);
  });

  it("reports a plugin whose setup() throws, naming the plugin", async () => {
    const { Kernel } = await import("../src/index.js");
    const kernel = new Kernel({ env: {} });
    const error = await caught(() =>
      kernel.use(
        plugin("@test/broken", [], {
          setup: () => {
            throw new Error("no config");
          },
        }),
      ),
    );
    expect(error.code).toBe("E_PLUGIN_SETUP");
    expect(error.message).toContain("@test/broken");
    expect(error.message).toContain("no config");
  });
});
