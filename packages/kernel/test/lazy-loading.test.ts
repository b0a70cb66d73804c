import { describe, expect, it, vi } from "vitest";
import type { StageModule } from "../src/index.js";
import { caught, kernelWith, managerWith, plugin, stage } from "./helpers.js";

const loader = () => vi.fn(async (): Promise<StageModule> => ({ run: () => undefined }));

describe("lazy stage loading", () => {
  it("builds, orders and lists the graph without loading any stage", async () => {
    const loads = [loader(), loader(), loader()];
    const plugins = [
      plugin("@test/a", [stage("a:one", { load: loads[0]!, writes: ["vm_definition"] }), stage("a:two", { load: loads[1]!, optional: true })]),
      plugin("@test/b", [stage("b:three", { load: loads[2]!, reads: ["vm_definition"] })]),
    ];
    managerWith(plugins).plan();
    managerWith(plugins).plan({ include: ["a:two"] });
    const kernel = await kernelWith(plugins);
    kernel.plan();
    kernel.manifests();
    for (const load of loads) expect(load).not.toHaveBeenCalled();
  });

  it("never loads a stage that is not selected, skipped by its condition, or optional and not asked for", async () => {
    const selected = loader();
    const notSelected = loader();
    const conditionFalse = loader();
    const optional = loader();
    const kernel = await kernelWith([
      plugin("@test/a", [
        stage("a:selected", { load: selected }),
        stage("a:other", { load: notSelected }),
        stage("a:conditional", { load: conditionFalse, when: () => false }),
        stage("a:optional", { load: optional, optional: true }),
      ]),
    ]);
    await kernel.run({ selection: { targetStages: ["a:selected", "a:conditional"] } });
    expect(selected).toHaveBeenCalledOnce();
    expect(notSelected).not.toHaveBeenCalled();
    expect(conditionFalse).not.toHaveBeenCalled();
    expect(optional).not.toHaveBeenCalled();
  });

  it("loads each stage only when its turn comes", async () => {
    const events: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/a", [
        stage("a:first", { load: async () => (events.push("load first"), { run: () => void events.push("run first") }) }),
        stage("a:second", { load: async () => (events.push("load second"), { run: () => void events.push("run second") }) }),
      ]),
    ]);
    await kernel.run();
    expect(events).toEqual(["load first", "run first", "load second", "run second"]);
  });

  it("reports a stage whose code cannot be loaded, naming the stage and its package", async () => {
    const kernel = await kernelWith([plugin("@test/broken", [stage("broken:stage", { load: () => Promise.reject(new Error("Cannot find module './stages/gone.js'")) })])]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_LOAD");
    expect(error.message).toContain("broken:stage");
    expect(error.message).toContain("@test/broken");
    expect(error.message).toContain("gone.js");
  });

  it("reports a stage module without a run function", async () => {
    const kernel = await kernelWith([plugin("@test/broken", [stage("broken:stage", { load: async () => ({}) as StageModule })])]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_LOAD");
    expect(error.message).toContain("run()");
  });
});
