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
});
