import { describe, expect, it } from "vitest";
import { z } from "@vmforge/kernel/zod";
import { formatKeyPath, problemsFromIssues } from "../src/index.js";

describe("config problems", () => {
  it("formats key paths with dots and indexes", () => {
    expect(formatKeyPath(["disk", 1, "size"])).toBe("disk[1].size");
    expect(formatKeyPath([0, "a"])).toBe("[0].a");
    expect(formatKeyPath([])).toBe("");
  });

  it("turns zod issues into located problems, all of them", () => {
    const schema = z.object({ memory: z.string(), disk: z.array(z.object({ size: z.number() })) });
    const result = schema.safeParse({ memory: 4, disk: [{ size: 1 }, { size: "big" }] });
    expect(result.success).toBe(false);
    const problems = problemsFromIssues(result.error!.issues, {
      file: "/vm.toml",
      prefix: ["vm"],
      locate: (path) => (path.join(".") === "vm.memory" ? { line: 2, column: 10, sourceLine: "memory = 4" } : undefined),
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ code: "E_CONFIG_INVALID", keyPath: "vm.memory", file: "/vm.toml", line: 2, column: 10, sourceLine: "memory = 4", expected: "string" });
    expect(problems[1]).toMatchObject({ keyPath: "vm.disk[1].size", file: "/vm.toml" });
    expect(problems[1]).not.toHaveProperty("line");
  });

  it("uses the code it is given", () => {
    expect(problemsFromIssues([{ path: ["x"], message: "m" }], { code: "E_LINUX_CONFIG" })[0]).toEqual({ code: "E_LINUX_CONFIG", message: "m", keyPath: "x" });
  });
});
