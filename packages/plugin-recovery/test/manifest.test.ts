import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { plugin } from "../src/plugin.js";

describe("the recovery plugin's manifest", () => {
  it("has no stage, adds `vmforge resume` and --wait, and watches runs from setup()", () => {
    expect(plugin).toMatchObject({ name: "@vmforge/plugin-recovery", stages: [] });
    expect(plugin.commands?.map((command) => command.name)).toEqual(["resume"]);
    expect(plugin.flags?.map((flag) => flag.name)).toEqual(["wait"]);
    expect(typeof plugin.setup).toBe("function");
  });

  it("imports the kernel alone: listing plugins loads no zod and none of its code", () => {
    const source = readFileSync(join(import.meta.dirname, "..", "src", "plugin.ts"), "utf8");
    expect([...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1])).toEqual(["@vmforge/kernel"]);
    const watcher = readFileSync(join(import.meta.dirname, "..", "src", "watch-runs.ts"), "utf8");
    expect([...watcher.matchAll(/^import (?!type).* from "([^"]+)";$/gm)].map((match) => match[1])).toEqual([]);
  });
});
