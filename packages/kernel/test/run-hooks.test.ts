import { describe, expect, it } from "vitest";
import type { RunEndInfo, RunStartInfo } from "../src/index.js";
import { caught, kernelWith, plugin, stage } from "./helpers.js";

describe("run hooks", () => {
  it("run-start hooks run after every preflight check and before the first stage, and see the name a check gave the run", async () => {
    const log: string[] = [];
    let started: RunStartInfo | undefined;
    const kernel = await kernelWith(
      [
        plugin("@test/p", [stage("p:one", { run: () => void log.push("stage p:one") })], {
          preflightCheck: (ctx) => {
            log.push("preflight");
            ctx.setRunName?.("web-1");
          },
          setup: (api) => {
            api.registerRunStartHook?.((info) => {
              started = info;
              log.push(`start ${info.runName}`);
            });
            api.registerRunEndHook?.((info) => void log.push(`end ${info.outcome}`));
          },
        }),
      ],
      { dryRun: true },
    );
    await kernel.run({ input: { configPath: "/vm.toml", flags: { wait: true } }, selection: { include: [] } });
    expect(log).toEqual(["preflight", "start web-1", "stage p:one", "end done"]);
    expect(started).toMatchObject({ runName: "web-1", dryRun: true, hostRoot: "/", input: { configPath: "/vm.toml", flags: { wait: true } }, resume: undefined });
    expect(started?.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(started?.graph.stages.map((s) => s.id)).toEqual(["p:one"]);
    expect(started?.plugins.map((p) => p.name)).toEqual(["@test/p"]);
  });

  it("a failing preflight runs neither kind of run hook", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:one")], {
        preflightCheck: () => [{ code: "E_BAD", message: "bad" }],
        setup: (api) => {
          api.registerRunStartHook?.(() => void log.push("start"));
          api.registerRunEndHook?.(() => void log.push("end"));
        },
      }),
    ]);
    expect((await caught(() => kernel.run())).code).toBe("E_PREFLIGHT");
    expect(log).toEqual([]);
  });

  it("run-end hooks see a failure, may add to its fix, and do not replace it", async () => {
    let ended: RunEndInfo | undefined;
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:one"), stage("p:two", { run: () => Promise.reject(new Error("disk full")) })], {
        setup: (api) =>
          api.registerRunEndHook?.((info) => {
            ended = info;
            info.addFix("Then run `vmforge resume web-1`.");
            throw new Error("the end hook broke too");
          }),
      }),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_FAILED");
    expect(error.message).toContain("disk full");
    expect(error.fix).toBe("This is a bug in @test/p 1.0.0: report it to its authors; run with VMFORGE_DEBUG=1 for the stack. Then run `vmforge resume web-1`.");
    expect(ended?.outcome).toBe("failed");
    expect(ended?.error).toBe(error);
    expect(ended?.stages.map((s) => [s.id, s.status])).toEqual([
      ["p:one", "done"],
      ["p:two", "failed"],
    ]);
  });

  it("a run-start hook that refuses stops the run before any stage, and the run-end hooks still run", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:one", { run: () => void log.push("stage") })], {
        setup: (api) => {
          api.registerRunStartHook?.(() => {
            throw new Error("locked");
          });
          api.registerRunEndHook?.((info) => void log.push(`end ${info.outcome}`));
        },
      }),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_HOOK_FAILED");
    expect(error.message).toContain("locked");
    expect(log).toEqual(["end failed"]);
  });

  it("a run-end hook that fails after a run that succeeded fails the run", async () => {
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:one")], {
        setup: (api) =>
          api.registerRunEndHook?.(() => {
            throw new Error("could not remove the checkpoint");
          }),
      }),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_HOOK_FAILED");
    expect(error.message).toContain("run-end");
  });
});
