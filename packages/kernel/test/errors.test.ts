import { describe, expect, it } from "vitest";
import { ExitCode, VmforgeError, isVmforgeError, problemsError } from "../src/index.js";

describe("VmforgeError", () => {
  it("carries a stable code, message, why, fix, exit code, problems and cause", () => {
    const cause = new Error("EACCES");
    const error = new VmforgeError("E_SOMETHING", "Something broke", {
      why: "because",
      fix: "do this",
      exitCode: ExitCode.hostUnfit,
      problems: [{ code: "E_P", message: "p" }],
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "VmforgeError", code: "E_SOMETHING", message: "Something broke", why: "because", fix: "do this", exitCode: 3 });
    expect(error.problems).toEqual([{ code: "E_P", message: "p" }]);
    expect(error.cause).toBe(cause);
  });

  it("defaults to exit code 1, no problems, and no cause", () => {
    const error = new VmforgeError("E_X", "x");
    expect(error.exitCode).toBe(ExitCode.failure);
    expect(error.problems).toEqual([]);
    expect(error.why).toBeUndefined();
    expect("cause" in error).toBe(false);
  });

  it("is a user error for exit codes 2 and 3 only", () => {
    expect(new VmforgeError("E", "m", { exitCode: ExitCode.usage }).isUserError).toBe(true);
    expect(new VmforgeError("E", "m", { exitCode: ExitCode.hostUnfit }).isUserError).toBe(true);
    expect(new VmforgeError("E", "m", { exitCode: ExitCode.failure }).isUserError).toBe(false);
    expect(new VmforgeError("E", "m").isUserError).toBe(false);
  });

  it("serialises to JSON without a stack", () => {
    const json = JSON.parse(JSON.stringify(new VmforgeError("E_X", "x", { fix: "f", exitCode: 2 }))) as Record<string, unknown>;
    expect(json).toEqual({ code: "E_X", message: "x", fix: "f", exitCode: 2, problems: [] });
    expect(json).not.toHaveProperty("stack");
  });

  it("is recognised across copies of the kernel package by shape", () => {
    expect(isVmforgeError(new VmforgeError("E", "m"))).toBe(true);
    expect(isVmforgeError(Object.assign(new Error("m"), { name: "VmforgeError", code: "E" }))).toBe(true);
    expect(isVmforgeError(new Error("m"))).toBe(false);
    expect(isVmforgeError({ name: "VmforgeError" })).toBe(false);
    expect(isVmforgeError(undefined)).toBe(false);
  });

  it("gathers several problems into one usage error", () => {
    const error = problemsError("E_CONFIG", "2 problems", [
      { code: "E_A", message: "a" },
      { code: "E_B", message: "b" },
    ]);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_A", "E_B"]);
    expect(problemsError("E", "m", [], { exitCode: ExitCode.hostUnfit, fix: "f" })).toMatchObject({ exitCode: 3, fix: "f" });
  });
});
