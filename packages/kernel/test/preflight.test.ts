import { describe, expect, it, vi } from "vitest";
import { ExitCode, VmforgeError } from "../src/index.js";
import { caught, kernelWith, plugin, stage } from "./helpers.js";

describe("preflight", () => {
  it("runs every plugin's check before the first stage, with the run input", async () => {
    const log: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/a", [stage("a:one", { run: () => void log.push("stage a:one") })], {
        preflightCheck: (ctx) => void log.push(`preflight a ${ctx.input.configPath} ${ctx.plugins.length}`),
      }),
      plugin("@test/b", [stage("b:two", { run: () => void log.push("stage b:two") })], { preflightCheck: async () => void log.push("preflight b") }),
    ]);
    await kernel.run({ input: { configPath: "/vm.toml" } });
    expect(log).toEqual(["preflight a /vm.toml 2", "preflight b", "stage a:one", "stage b:two"]);
  });

  it("asks only the plugins taking part: none of whose stages a run selects is skipped; one without stages is always asked", async () => {
    const asked: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/checker", [stage("checker:look", { writes: ["host_report"] })], { preflightCheck: () => void asked.push("checker") }),
      plugin("@test/builder", [stage("builder:make", { reads: ["host_report"], writes: ["vm_definition"] })], { preflightCheck: () => void asked.push("builder") }),
      plugin("@test/watcher", [], { preflightCheck: () => void asked.push("watcher") }),
    ]);
    await kernel.run({ selection: { targetKeys: ["host_report"] } });
    expect(asked).toEqual(["checker", "watcher"]);
    asked.length = 0;
    await kernel.run();
    expect(asked).toEqual(["checker", "builder", "watcher"]);
  });

  it("reports every problem of every plugin in one error with exit code 2, and runs no stage", async () => {
    const load = vi.fn(async () => ({ run: () => undefined }));
    const kernel = await kernelWith([
      plugin("@test/returns", [stage("r:one", { load })], {
        preflightCheck: () => [
          { code: "E_CONFIG_INVALID", message: "memory must be a size", keyPath: "vm.memory" },
          { code: "E_CONFIG_INVALID", message: "cpus must be positive", keyPath: "vm.cpus" },
        ],
      }),
      plugin("@test/throws", [], {
        preflightCheck: () => {
          throw new VmforgeError("E_NO_KVM", "/dev/kvm is missing", { fix: "Enable virtualization in the firmware", exitCode: ExitCode.hostUnfit });
        },
      }),
      plugin("@test/throws_problems", [], {
        preflightCheck: async () => {
          throw new VmforgeError("E_TOML", "bad toml", { problems: [{ code: "E_TOML_SYNTAX", message: "unexpected =", line: 3, column: 7 }] });
        },
      }),
      plugin("@test/crashes", [], {
        preflightCheck: () => {
          throw new TypeError("cannot read properties of undefined");
        },
      }),
      plugin("@test/fine", [], { preflightCheck: () => [] }),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_PREFLIGHT");
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toContain("5 problems");
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_CONFIG_INVALID", "E_CONFIG_INVALID", "E_NO_KVM", "E_TOML_SYNTAX", "E_PREFLIGHT_CRASHED"]);
    expect(error.problems[2]).toMatchObject({ message: "/dev/kvm is missing", fix: "Enable virtualization in the firmware" });
    expect(error.problems[3]).toMatchObject({ line: 3, column: 7 });
    expect(error.problems[4]!.message).toContain("@test/crashes");
    expect(error.problems[4]!.message).toContain("cannot read properties of undefined");
    expect(load).not.toHaveBeenCalled();
  });

  it("exits with code 3 when every problem is the host's", async () => {
    const hostUnfit = () => {
      throw new VmforgeError("E_NO_KVM", "/dev/kvm is missing", { exitCode: ExitCode.hostUnfit });
    };
    const kernel = await kernelWith([plugin("@test/a", [], { preflightCheck: hostUnfit }), plugin("@test/b", [], { preflightCheck: hostUnfit })]);
    const error = await caught(() => kernel.run());
    expect(error.exitCode).toBe(ExitCode.hostUnfit);
    expect(error.problems).toHaveLength(2);
  });

  it("runs the checks through kernel.preflight() alone", async () => {
    const kernel = await kernelWith([plugin("@test/a", [], { preflightCheck: () => [{ code: "E_X", message: "x" }] })]);
    const error = await caught(() => kernel.preflight({ flags: {} }));
    expect(error.problems).toEqual([{ code: "E_X", message: "x" }]);
    const clean = await kernelWith([plugin("@test/a", [], { preflightCheck: () => undefined })]);
    await expect(clean.preflight({ flags: {} })).resolves.toBeUndefined();
  });

  it("passes one plugin's own error through unchanged when it is the only problem", async () => {
    const own = new VmforgeError("E_CONFIG_INVALID", "vm.toml has 2 problems", { exitCode: ExitCode.usage, fix: "edit it", problems: [{ code: "E_A", message: "a" }, { code: "E_B", message: "b" }] });
    const load = vi.fn();
    const kernel = await kernelWith([
      plugin("@test/config", [stage("config:load", { load })], { preflightCheck: () => { throw own; } }),
      plugin("@test/quiet", [], { preflightCheck: () => [] }),
    ]);
    const error = await caught(() => kernel.run());
    expect(error).toBe(own);
    expect(load).not.toHaveBeenCalled();
  });
});
