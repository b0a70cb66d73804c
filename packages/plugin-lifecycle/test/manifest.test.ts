import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { plugin } from "../src/plugin.js";
import * as publicFace from "../src/index.js";

describe("the manifest", () => {
  it("has no stages and adds start, status, stop and console, each loaded only when run", async () => {
    expect(plugin.name).toBe("@vmforge/plugin-lifecycle");
    expect(plugin.stages).toEqual([]);
    expect(plugin.commands!.map((command) => command.name)).toEqual(["start", "status", "stop", "console"]);
    for (const command of plugin.commands!) {
      expect(command.usage.startsWith(`vmforge ${command.name} NAME`)).toBe(true);
      expect(typeof (await command.load()).run).toBe("function");
    }
  });

  it("imports nothing but the kernel, so listing plugins stays cheap", async () => {
    const source = await readFile(new URL("../src/plugin.ts", import.meta.url), "utf8");
    expect([...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1])).toEqual(["@vmforge/kernel"]);
  });

  it("the public face: the plugin, the QMP client, the console judge and the error codes", () => {
    expect(Object.keys(publicFace).sort()).toEqual(["FAILURE_PATTERNS", "LifecycleCode", "QmpClient", "QmpCommandError", "QmpConnectionError", "READY_PATTERN", "judgeConsole", "plugin"].sort());
  });
});
