import { describe, expect, it, vi } from "vitest";
import { ExitCode, VmforgeError } from "../src/index.js";
import { caught, kernelWith, plugin, stage } from "./helpers.js";

describe("preflight checks of the run as a whole", () => {
  it("run before the plugins' checks, with the same context, and every problem is reported together", async () => {
    const load = vi.fn(async () => ({ run: () => undefined }));
    const order: string[] = [];
    const kernel = await kernelWith([plugin("@test/a", [stage("a:one", { load })], { preflightCheck: () => (order.push("plugin"), [{ code: "E_A", message: "from a" }]) })], {
      preflightChecks: [{ name: "vmforge", check: (ctx) => (order.push(`run ${ctx.input.configPath} ${ctx.plugins.length}`), [{ code: "E_RUN", message: "from the run" }]) }],
    });
    const error = await caught(() => kernel.run({ input: { configPath: "/vm.toml" } }));
    expect(order).toEqual(["run /vm.toml 1", "plugin"]);
    expect(error.code).toBe("E_PREFLIGHT");
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_RUN", "E_A"]);
    expect(load).not.toHaveBeenCalled();
  });

  it("a run check's own error, alone, keeps its code, fix and exit code", async () => {
    const kernel = await kernelWith([plugin("@test/a", [stage("a:one")])], {
      preflightChecks: [
        {
          name: "vmforge",
          check: () => {
            throw new VmforgeError("E_NO_READER", "nothing reads it", { exitCode: ExitCode.usage, fix: "install one", problems: [{ code: "E_TABLE", message: "[vm]" }] });
          },
        },
      ],
    });
    const error = await caught(() => kernel.run({ input: { configPath: "/vm.toml" } }));
    expect(error).toMatchObject({ code: "E_NO_READER", fix: "install one", exitCode: ExitCode.usage });
  });

  it("a run check that crashes is named in the problem", async () => {
    const kernel = await kernelWith([], { preflightChecks: [{ name: "vmforge", check: () => Promise.reject(new TypeError("boom")) }] });
    const error = await caught(() => kernel.run());
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_PREFLIGHT_CRASHED", message: expect.stringContaining("vmforge's preflight check failed: boom") })]);
  });
});
