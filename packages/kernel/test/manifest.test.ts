import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { definePlugin, normalizeRead, packageInfo } from "../src/index.js";
import { stage, temporaryDir } from "./helpers.js";

describe("plugin manifests", () => {
  it("accepts a well-formed plugin and freezes it", () => {
    const plugin = definePlugin({ name: "@test/p", version: "1.0.0", description: "d", stages: [stage("env_check:gather_cpu_info")] });
    expect(Object.isFrozen(plugin)).toBe(true);
    expect(plugin.stages[0]!.id).toBe("env_check:gather_cpu_info");
  });

  it("rejects a stage id that is not prefix:verb_noun, naming the plugin and the id", () => {
    for (const id of ["nocolon", "Env:gather", "env:Gather", "env:gather-cpu", ":x", "a:b:c"]) {
      expect(() => definePlugin({ name: "@test/p", version: "1", description: "", stages: [stage(id)] })).toThrow(new RegExp(`@test/p.*${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    }
  });

  it("rejects a plugin without a name, and a stage without a loader", () => {
    expect(() => definePlugin({ name: "", version: "1", description: "", stages: [] })).toThrow(/name/);
    expect(() => definePlugin({ name: "@test/p", version: "1", description: "", stages: [{ id: "p:x", description: "", load: undefined as never }] })).toThrow(/load\(\)/);
  });

  it("reads name, version and description from the package.json beside src/ or dist/", async () => {
    const root = await temporaryDir();
    await mkdir(join(root, "dist"));
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "vmforge-plugin-x", version: "2.3.4", description: "X things" }));
    expect(packageInfo(pathToFileURL(join(root, "dist", "plugin.js")).href)).toEqual({ name: "vmforge-plugin-x", version: "2.3.4", description: "X things" });
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "vmforge-plugin-y", version: "0.0.1" }));
    expect(packageInfo(pathToFileURL(join(root, "dist", "plugin.js")).href).description).toBe("");
  });

  it("normalizes a read given as a string", () => {
    expect(normalizeRead("vm_definition")).toEqual({ key: "vm_definition" });
    expect(normalizeRead({ key: "x", optional: true })).toEqual({ key: "x", optional: true });
  });
});
