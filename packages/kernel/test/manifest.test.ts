import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { KERNEL_API, MIN_KERNEL_API, definePlugin, kernelApiOf, kernelVersion, normalizeRead, packageInfo, supportsKernelApi } from "../src/index.js";
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

  it("takes a kernelApi that is a positive integer, and refuses any other, naming the plugin", () => {
    expect(definePlugin({ name: "@test/p", version: "1", description: "", stages: [], kernelApi: 1 }).kernelApi).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN, "1" as unknown as number]) {
      expect(() => definePlugin({ name: "@test/p", version: "1", description: "", stages: [], kernelApi: bad })).toThrow(/@test\/p.*kernelApi must be a positive integer/);
    }
  });

  it("runs plugins of every API level from MIN_KERNEL_API to KERNEL_API; a manifest without kernelApi is level 1", () => {
    expect(KERNEL_API).toBe(1);
    expect(MIN_KERNEL_API).toBe(1);
    expect(kernelApiOf({})).toBe(1);
    expect(kernelApiOf({ kernelApi: 3 })).toBe(3);
    expect(supportsKernelApi(KERNEL_API)).toBe(true);
    expect(supportsKernelApi(KERNEL_API + 1)).toBe(false);
    expect(supportsKernelApi(MIN_KERNEL_API - 1)).toBe(false);
    expect(supportsKernelApi(1.5)).toBe(false);
    expect(kernelVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("normalizes a read given as a string", () => {
    expect(normalizeRead("vm_definition")).toEqual({ key: "vm_definition" });
    expect(normalizeRead({ key: "x", optional: true })).toEqual({ key: "x", optional: true });
  });
});
