import { describe, expect, it } from "vitest";
import { ExitCode, VmforgeError, stageOf } from "../src/index.js";
import { caught, kernelWith, plugin, stage } from "./helpers.js";

describe("an error thrown by a stage names the stage and its plugin", () => {
  it("a VmforgeError keeps its code, message, why, fix and exit code, and gains the stage, the plugin and its version", async () => {
    const thrown = new VmforgeError("E_WINDOWS_ISO", "The install ISO is gone.", { exitCode: ExitCode.usage, why: "w", fix: "f" });
    const kernel = await kernelWith([plugin("vmforge-plugin-windows", [stage("windows:write_answer_file", { run: () => Promise.reject(thrown) })])]);
    const error = await caught(() => kernel.run());
    expect(error).toBe(thrown);
    expect([error.code, error.message, error.why, error.fix, error.exitCode]).toEqual(["E_WINDOWS_ISO", "The install ISO is gone.", "w", "f", ExitCode.usage]);
    expect(stageOf(error)).toEqual({ stage: "windows:write_answer_file", plugin: "vmforge-plugin-windows", pluginVersion: "1.0.0" });
    expect(error.toJSON()).toMatchObject({ stage: "windows:write_answer_file", plugin: "vmforge-plugin-windows", pluginVersion: "1.0.0" });
  });

  it("a VmforgeError from another copy of the kernel (same name and code) is named too", async () => {
    const foreign = Object.assign(new Error("from a second kernel"), { name: "VmforgeError", code: "E_OTHER", exitCode: 2, problems: [] });
    const kernel = await kernelWith([plugin("vmforge-plugin-x", [stage("x:go", { run: () => Promise.reject(foreign) })])]);
    await expect(kernel.run()).rejects.toBe(foreign);
    expect(stageOf(foreign)).toMatchObject({ stage: "x:go", plugin: "vmforge-plugin-x" });
  });

  it("an error that already names a stage keeps it (a stage that rethrows what another one threw)", async () => {
    const earlier = new VmforgeError("E_X", "x");
    Object.assign(earlier, { stage: "a:first", plugin: "vmforge-plugin-a" });
    const kernel = await kernelWith([plugin("vmforge-plugin-b", [stage("b:second", { run: () => Promise.reject(earlier) })])]);
    await caught(() => kernel.run());
    expect(stageOf(earlier)).toEqual({ stage: "a:first", plugin: "vmforge-plugin-a" });
  });

  it("a plain Error becomes E_STAGE_FAILED: a bug in the plugin, with the version, the fix line and the original as cause", async () => {
    const original = new TypeError("ctx.x is not a function");
    const kernel = await kernelWith([plugin("vmforge-plugin-windows", [stage("windows:write_answer_file", { run: () => Promise.reject(original) })])]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_FAILED");
    expect(error.exitCode).toBe(ExitCode.failure);
    expect(error.message).toBe("Stage windows:write_answer_file (vmforge-plugin-windows) failed: ctx.x is not a function");
    expect(error.why).toContain("a plain TypeError");
    expect(error.fix).toBe("This is a bug in vmforge-plugin-windows 1.0.0: report it to its authors; run with VMFORGE_DEBUG=1 for the stack.");
    expect(error.cause).toBe(original);
    expect(stageOf(error)).toEqual({ stage: "windows:write_answer_file", plugin: "vmforge-plugin-windows", pluginVersion: "1.0.0" });
  });

  it("a thrown string, null or object is named for what it is", async () => {
    for (const [value, kind] of [
      ["just text", "a string value"],
      [null, "a null value"],
      [{ odd: true }, "an object value"],
    ] as const) {
      const kernel = await kernelWith([plugin("vmforge-plugin-odd", [stage("odd:throw", { run: () => Promise.reject(value) })])]);
      const error = await caught(() => kernel.run());
      expect(error.code).toBe("E_STAGE_FAILED");
      expect(error.why).toContain(kind);
      expect(error.cause).toBe(value);
      expect(stageOf(error)?.stage).toBe("odd:throw");
    }
  });

  it("a condition (when) that throws is named as the stage's", async () => {
    const kernel = await kernelWith([plugin("vmforge-plugin-c", [stage("c:maybe", { when: () => { throw new RangeError("bad"); } })])]);
    const error = await caught(() => kernel.run());
    expect(error.message).toBe("Stage c:maybe (vmforge-plugin-c) its condition (when) failed: bad");
    expect(stageOf(error)).toMatchObject({ stage: "c:maybe", plugin: "vmforge-plugin-c" });
  });

  it("a stage that stops because the run was interrupted is the interruption, not the plugin's fault", async () => {
    let kernelRef: Awaited<ReturnType<typeof kernelWith>> | undefined;
    const kernel = await kernelWith([
      plugin("vmforge-plugin-slow", [
        stage("slow:go", {
          run: () => {
            kernelRef!.interrupt("SIGINT");
            throw new Error("killed");
          },
        }),
      ]),
    ]);
    kernelRef = kernel;
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_INTERRUPTED");
    expect(stageOf(error)).toBeUndefined();
  });

  it("an error without a stage has no stage fields in its JSON", () => {
    expect(new VmforgeError("E_X", "x").toJSON()).not.toHaveProperty("stage");
  });
});
