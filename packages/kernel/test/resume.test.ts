import { describe, expect, it, vi } from "vitest";
import { environmentDataKey, guestMediaKey, kernelWith, plugin, stage, vmDefinitionKey } from "./helpers.js";

describe("resume", () => {
  it("skips completed stages without loading them and restores the session they left", async () => {
    const loadEnv = vi.fn(async () => ({ run: () => undefined }));
    const loadDefine = vi.fn(async () => ({ run: () => undefined }));
    let seen: unknown[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:env", { writes: ["environment_data"], load: loadEnv }),
        stage("p:define", { reads: ["environment_data"], writes: ["vm_definition"], adds: ["guest_media"], load: loadDefine }),
        stage("p:use", {
          reads: ["vm_definition", "environment_data", "guest_media"],
          run: (ctx) => void (seen = [ctx.get(environmentDataKey), ctx.get(vmDefinitionKey), ctx.items(guestMediaKey)]),
        }),
      ]),
    ]);
    const report = await kernel.run({
      resume: {
        completed: ["p:env", "p:define"],
        session: { environment_data: { cpus: 2 }, vm_definition: { name: "web", memoryMiB: 256 }, guest_media: [{ path: "/seed.iso", kind: "seed" }] },
        runName: "web",
      },
    });
    expect(report.stages.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ["p:env", "resumed"],
      ["p:define", "resumed"],
      ["p:use", "done"],
    ]);
    expect(loadEnv).not.toHaveBeenCalled();
    expect(loadDefine).not.toHaveBeenCalled();
    expect(seen).toEqual([{ cpus: 2 }, { name: "web", memoryMiB: 256 }, [{ path: "/seed.iso", kind: "seed" }]]);
    expect(report.runName).toBe("web");
  });

  it("runs hooks only for the stages that run again", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one"), stage("p:two")])]);
    kernel.stages.registerPreStageHook(({ stage: s }) => void log.push(`pre ${s.id}`));
    kernel.stages.registerPostStageHook(({ stage: s }) => void log.push(`post ${s.id}`));
    await kernel.run({ resume: { completed: ["p:one"], session: {} } });
    expect(log).toEqual(["pre p:two", "post p:two"]);
  });

  it("ignores completed ids the graph does not have", async () => {
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one")])]);
    const report = await kernel.run({ resume: { completed: ["gone:stage"], session: {} } });
    expect(report.stages.map((outcome) => outcome.status)).toEqual(["done"]);
  });

  it("resumes from checkpoints a post-stage hook took through the setup api, after a failure", async () => {
    type Checkpoint = { completed: string[]; session: Record<string, unknown>; runName?: string };
    let checkpoint: Checkpoint = { completed: [], session: {} };
    const recovery = plugin("@test/recovery", [], {
      setup: (api) => {
        api.registerPostStageHook(({ stage: finished, status, context }) => {
          if (status !== "done" || api.isDryRun?.()) return;
          checkpoint = JSON.parse(
            JSON.stringify({ completed: [...checkpoint.completed, finished.id], session: api.session!.snapshot(), runName: context.runName }),
          ) as Checkpoint;
        });
      },
    });
    let failOnce = true;
    const runs: string[] = [];
    const pipeline = () =>
      plugin("@test/p", [
        stage("p:env", { writes: ["environment_data"], run: (ctx) => void (runs.push("p:env"), ctx.setRunName("web"), ctx.set(environmentDataKey, { cpus: 6 })) }),
        stage("p:media", { adds: ["guest_media"], run: (ctx) => void (runs.push("p:media"), ctx.add(guestMediaKey, { path: "/seed.iso", kind: "seed" })) }),
        stage("p:define", {
          reads: ["environment_data", "guest_media"],
          writes: ["vm_definition"],
          run: (ctx) => {
            runs.push("p:define");
            if (failOnce) {
              failOnce = false;
              throw new Error("transient");
            }
            ctx.set(vmDefinitionKey, { name: ctx.runName!, memoryMiB: ctx.get(environmentDataKey).cpus * ctx.items(guestMediaKey).length });
          },
        }),
      ]);
    const first = await kernelWith([recovery, pipeline()]);
    await expect(first.run()).rejects.toThrow("transient");
    expect(checkpoint.completed).toEqual(["p:env", "p:media"]);

    const second = await kernelWith([recovery, pipeline()]);
    const report = await second.run({ resume: checkpoint });
    expect(report.stages.map((outcome) => outcome.status)).toEqual(["resumed", "resumed", "done"]);
    expect(runs).toEqual(["p:env", "p:media", "p:define", "p:define"]);
    expect(second.session.get(vmDefinitionKey)).toEqual({ name: "web", memoryMiB: 6 });
  });
});
