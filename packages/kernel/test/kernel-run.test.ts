import { describe, expect, it } from "vitest";
import { caught, kernelWith, plugin, stage } from "./helpers.js";

describe("a kernel run", () => {
  it("reports the outcome of every stage, the effects, the run name and host problems", async () => {
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:one", {
          run: async (ctx) => {
            ctx.setRunName("web");
            ctx.markHostUnfit("no IOMMU");
            await ctx.effects.run("true", []);
          },
        }),
        stage("p:two", { when: () => false }),
      ]),
    ], { dryRun: true });
    const report = await kernel.run();
    expect(report).toMatchObject({ dryRun: true, runName: "web", hostUnfit: ["no IOMMU"] });
    expect(report.stages.map((outcome) => [outcome.id, outcome.plugin, outcome.status])).toEqual([
      ["p:one", "@test/p", "done"],
      ["p:two", "@test/p", "skipped"],
    ]);
    expect(report.stages[1]!.reason).toBe("condition false");
    expect(report.effects).toEqual([{ kind: "run", command: ["true"], status: "planned", stage: "p:one" }]);
  });

  it("keeps what ran when a stage fails, for report()", async () => {
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one"), stage("p:bad", { run: () => { throw new Error("no"); } }), stage("p:never")])]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_FAILED");
    expect(error.message).toContain("p:bad");
    expect(error.message).toContain("@test/p");
    expect(error.cause).toBeInstanceOf(Error);
    expect(kernel.report().stages.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ["p:one", "done"],
      ["p:bad", "failed"],
    ]);
  });

  it("passes a stage's own VmforgeError through unchanged", async () => {
    const { VmforgeError } = await import("../src/index.js");
    const own = new VmforgeError("E_PLUGIN_SPECIFIC", "bad thing", { exitCode: 3 });
    const kernel = await kernelWith([plugin("@test/p", [stage("p:bad", { run: () => Promise.reject(own) })])]);
    expect(await caught(() => kernel.run())).toBe(own);
  });

  it("hands stages the run input with flags, the installed manifests and the storage", async () => {
    let seen: unknown;
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:one", { run: (ctx) => void (seen = [ctx.input, ctx.plugins.map((p) => p.name), ctx.storage.userConfigPath(), ctx.stageId, ctx.plugin]) })]),
    ], { env: { VMFORGE_CONFIG_HOME: "/cfg" } });
    await kernel.run({ input: { configPath: "/vm.toml", flags: { bindVfio: true } } });
    expect(seen).toEqual([{ configPath: "/vm.toml", flags: { bindVfio: true } }, ["@test/p"], "/cfg", "p:one", "@test/p"]);
  });

  it("gives stages empty flags when the input has none", async () => {
    let flags: unknown;
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: (ctx) => void (flags = ctx.input.flags) })])]);
    await kernel.run({ input: { configPath: "/vm.toml", flags: undefined as never } });
    expect(flags).toEqual({});
  });

  it("reads the host through the root it was given", async () => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { temporaryDir } = await import("./helpers.js");
    const root = await temporaryDir();
    await mkdir(join(root, "proc"));
    await writeFile(join(root, "proc", "version"), "Linux version 6.8.0-snapshot\n");
    let version: string | undefined;
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one", { run: async (ctx) => void (version = await ctx.host.readAttribute("/proc/version")) })])], { hostRoot: root });
    await kernel.run();
    expect(version).toBe("Linux version 6.8.0-snapshot");
    expect([...kernel.host.reads().keys()]).toEqual(["/proc/version"]);
  });

  it("starts each run with a fresh report", async () => {
    const kernel = await kernelWith([plugin("@test/p", [stage("p:one")])]);
    await kernel.run();
    const second = await kernel.run();
    expect(second.stages).toHaveLength(1);
  });
});
