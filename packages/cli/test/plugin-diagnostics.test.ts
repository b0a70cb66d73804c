import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { examplesDir } from "@vmforge/test-support";
import { cliBin, kernelDir, linkedProject, tempRoot } from "./project-fixture.js";

const kernelUrl = JSON.stringify(pathToFileURL(join(kernelDir, "dist", "index.js")).href);
const ANY_TABLE = "config: { tables: TABLES, schema: async () => ({ safeParse: (value) => ({ success: true, data: value }) }) },";

/** A throw-away package: package.json (exports "./plugin" unless told otherwise; null: no exports field) and its files. */
function writePackage(root: string, name: string, version: string, files: Record<string, string>, exportsMap: unknown = { "./plugin": "./plugin.js", "./package.json": "./package.json" }): string {
  const dir = join(root, "sources", name.replace("/", "__"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version, type: "module", ...(exportsMap === null ? {} : { exports: exportsMap }) }, null, 2));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

/** A project whose node_modules links the given package folders and whose package.json lists them. */
function projectWith(root: string, packages: Record<string, string>): string {
  const dir = join(root, "project");
  for (const [name, folder] of Object.entries(packages)) {
    mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
    symlinkSync(folder, join(dir, "node_modules", name), "dir");
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-vms", private: true, type: "module", devDependencies: Object.fromEntries(Object.keys(packages).map((name) => [name, "*"])) }, null, 2));
  return dir;
}

/** A manifest module: `stages` is JS source of the stages array. */
function manifest(name: string, version: string, body: string): string {
  return `export const plugin = { name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)}, description: "test", ${body} };\n`;
}

describe("a plugin written for another kernel API", () => {
  const { root } = tempRoot("kernel-api");
  const compatible = writePackage(root, "vmforge-plugin-fine", "1.0.0", { "plugin.js": manifest("vmforge-plugin-fine", "1.0.0", "kernelApi: 1, stages: []") });
  const newer = writePackage(root, "vmforge-plugin-windows", "1.0.0", { "plugin.js": manifest("vmforge-plugin-windows", "1.0.0", "kernelApi: 3, stages: []") });
  const newest = writePackage(root, "@acme/vmforge-plugin-far", "2.0.0", { "plugin.js": manifest("@acme/vmforge-plugin-far", "2.0.0", "kernelApi: 9, stages: []") });
  const odd = writePackage(root, "vmforge-plugin-odd", "0.1.0", { "plugin.js": manifest("vmforge-plugin-odd", "0.1.0", 'kernelApi: "2", stages: []') });

  it("is refused by name, with the API it needs, the kernel's version and API, and the two ways out (exit 2)", async () => {
    const project = projectWith(join(root, "one"), { "vmforge-plugin-fine": compatible, "vmforge-plugin-windows": newer });
    const result = await execa("node", [cliBin, "plugins"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error[E_PLUGIN_INCOMPATIBLE]: vmforge-plugin-windows 1.0.0 needs kernel API 3; the installed @vmforge/kernel 0.1.0 provides API 1.");
    expect(result.stderr).toContain("fix: Update @vmforge/kernel (or the vmforge bundle) to a version that provides API 3, or install an older vmforge-plugin-windows.");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses every incompatible plugin in one error, for every command, before any stage runs", async () => {
    const project = projectWith(join(root, "all"), { "vmforge-plugin-fine": compatible, "vmforge-plugin-windows": newer, "@acme/vmforge-plugin-far": newest, "vmforge-plugin-odd": odd });
    const result = await execa("node", [cliBin, "stages", "--json"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; problems: Array<{ code: string; message: string; fix: string }> } };
    expect(error.code).toBe("E_PLUGIN_INCOMPATIBLE");
    expect(error.message).toBe("3 installed plugins need a kernel API that the installed @vmforge/kernel 0.1.0 does not provide.");
    expect(error.problems.map((problem) => problem.message)).toEqual([
      "@acme/vmforge-plugin-far 2.0.0 needs kernel API 9; the installed @vmforge/kernel 0.1.0 provides API 1.",
      'vmforge-plugin-odd 0.1.0 declares kernelApi "2", which is no API level (a positive integer); the installed @vmforge/kernel 0.1.0 provides API 1.',
      "vmforge-plugin-windows 1.0.0 needs kernel API 3; the installed @vmforge/kernel 0.1.0 provides API 1.",
    ]);
    expect(error.problems.every((problem) => problem.code === "E_PLUGIN_INCOMPATIBLE")).toBe(true);
    expect(error.problems[1]!.fix).toBe("Install a version of vmforge-plugin-odd made for kernel API 1, or report it to its authors.");
  });

  it("a manifest that imports what the installed kernel does not export is said to need a newer kernel", async () => {
    const importing = writePackage(root, "vmforge-plugin-future", "5.0.0", {
      "plugin.js": 'import { defineFuturePlugin } from "@vmforge/kernel";\nexport const plugin = defineFuturePlugin({});\n',
    });
    mkdirSync(join(importing, "node_modules", "@vmforge"), { recursive: true });
    symlinkSync(kernelDir, join(importing, "node_modules", "@vmforge", "kernel"), "dir");
    const project = projectWith(join(root, "future"), { "vmforge-plugin-future": importing });
    const result = await execa("node", [cliBin, "plugins"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toContain("error[E_PLUGIN_LOAD]: Could not load vmforge-plugin-future from");
    expect(result.stderr).toContain("does not provide an export named 'defineFuturePlugin'");
    expect(result.stderr).toContain("fix: vmforge-plugin-future 5.0.0 needs a newer @vmforge/kernel than the installed 0.1.0: update @vmforge/kernel (or the vmforge bundle), or install an older vmforge-plugin-future.");
  });

  it("takes a plugin that declares no kernelApi as API 1", async () => {
    const plain = writePackage(root, "vmforge-plugin-old", "0.0.1", { "plugin.js": manifest("vmforge-plugin-old", "0.0.1", "stages: []") });
    const project = projectWith(join(root, "old"), { "vmforge-plugin-old": plain, "vmforge-plugin-fine": compatible });
    const result = await execa("node", [cliBin, "plugins", "--json"], { cwd: project, reject: false });
    expect(result.exitCode, result.stderr).toBe(0);
    const { plugins } = JSON.parse(result.stdout) as { plugins: Array<{ package: string; kernelApi: number }> };
    expect(plugins.map((plugin) => [plugin.package, plugin.kernelApi])).toEqual([
      ["vmforge-plugin-fine", 1],
      ["vmforge-plugin-old", 1],
    ]);
  });
});

describe("a package that is installed but is no plugin", () => {
  const { root } = tempRoot("no-entry");

  it("gets E_PLUGIN_NO_ENTRY with its version and folder, apart from a package that is not installed", async () => {
    const noEntry = writePackage(root, "vmforge-plugin-library", "4.5.6", { "index.js": "export const x = 1;\n" }, { ".": "./index.js" });
    const noExports = writePackage(root, "vmforge-plugin-bare", "0.0.9", { "index.js": "export const x = 1;\n" }, null);
    const project = projectWith(root, { "vmforge-plugin-library": noEntry, "vmforge-plugin-bare": noExports });
    const manifestPath = join(project, "package.json");
    writeFileSync(manifestPath, JSON.stringify({ name: "p", devDependencies: { "vmforge-plugin-library": "*", "vmforge-plugin-bare": "*", "vmforge-plugin-nowhere": "^1.0.0" } }));
    const result = await execa("node", [cliBin, "plugins", "--json"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; problems: Array<{ code: string; message: string; fix: string }> } };
    expect(error.code).toBe("E_PLUGINS");
    expect(error.problems).toEqual([
      {
        code: "E_PLUGIN_NO_ENTRY",
        message: `vmforge-plugin-bare 0.0.9 is installed at ${join(project, "node_modules", "vmforge-plugin-bare")} but its package.json exports no "./plugin" entry.`,
        fix: `Is it a vmforge plugin? Its authors must add exports["./plugin"] (the manifest made with definePlugin); or remove vmforge-plugin-bare from ${manifestPath}.`,
      },
      {
        code: "E_PLUGIN_NO_ENTRY",
        message: `vmforge-plugin-library 4.5.6 is installed at ${join(project, "node_modules", "vmforge-plugin-library")} but its package.json exports no "./plugin" entry.`,
        fix: `Is it a vmforge plugin? Its authors must add exports["./plugin"] (the manifest made with definePlugin); or remove vmforge-plugin-library from ${manifestPath}.`,
      },
      {
        code: "E_PLUGIN_NOT_INSTALLED",
        message: `vmforge-plugin-nowhere is listed in ${manifestPath} but is not installed.`,
        fix: `Run your package manager's install in ${project}, or remove vmforge-plugin-nowhere from its dependencies.`,
      },
    ]);
  });

  it("says so when the exports name ./plugin for require only", async () => {
    const requireOnly = writePackage(join(root, "r"), "vmforge-plugin-cjs", "1.0.0", { "plugin.cjs": "module.exports = {};\n" }, { "./plugin": { require: "./plugin.cjs" } });
    const project = projectWith(join(root, "r"), { "vmforge-plugin-cjs": requireOnly });
    const result = await execa("node", [cliBin, "plugins"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('vmforge-plugin-cjs 1.0.0 is installed at');
    expect(result.stderr).toContain('but its package.json exports map "./plugin" to no file Node can import (import or default condition). [E_PLUGIN_NO_ENTRY]');
  });
});

describe("an error a plugin's stage throws, through the real CLI", () => {
  const { root } = tempRoot("stage-errors");
  let project: string;

  beforeAll(() => {
    // The stage does what vm.toml's `mode` says: the plugin's own VmforgeError, a plain Error with a cause, or a string.
    const plugin = writePackage(root, "vmforge-plugin-windows", "1.0.0", {
      "plugin.js": manifest(
        "vmforge-plugin-windows",
        "1.0.0",
        `kernelApi: 1, ${ANY_TABLE.replace("TABLES", '["vm"]')} stages: [{ id: "windows:write_answer_file", description: "writes", load: () => import("./stage.js") }]`,
      ),
      "stage.js": `import { readFileSync } from "node:fs";
import { VmforgeError } from ${kernelUrl};
function deepest() { return new RangeError("the original fault"); }
export async function run(ctx) {
  const mode = /mode = "(\\w+)"/.exec(readFileSync(ctx.input.configPath, "utf8"))[1];
  if (mode === "own") throw new VmforgeError("E_WINDOWS_NO_ISO", "The install ISO is missing.", { exitCode: 2, why: "Windows Setup boots from it.", fix: "Set windows.install_iso." });
  if (mode === "internal") throw new VmforgeError("E_WINDOWS_BROKEN", "The answer file could not be made.", { cause: deepest() });
  if (mode === "plain") throw new TypeError("ctx.x is not a function", { cause: deepest() });
  throw "a bare string";
}
`,
    });
    project = projectWith(root, { "vmforge-plugin-windows": plugin });
    for (const mode of ["own", "internal", "plain", "string"]) writeFileSync(join(project, `${mode}.toml`), `[vm]\nname = "w"\nmode = "${mode}"\n`);
  });

  const vmforge = (args: string[], env: Record<string, string> = {}) => execa("node", [cliBin, ...args], { cwd: project, reject: false, env: { VMFORGE_DEBUG: "", ...env } });

  it("prints the plugin's own VmforgeError with its code, why and fix, and the stage and plugin it came from", async () => {
    const result = await vmforge(["plan", "own.toml"]);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines.slice(-4)).toEqual([
      "error[E_WINDOWS_NO_ISO]: The install ISO is missing.",
      "  in stage windows:write_answer_file of vmforge-plugin-windows 1.0.0",
      "  why: Windows Setup boots from it.",
      "  fix: Set windows.install_iso.",
    ]);
  });

  it("carries the stage and plugin as fields in --json and --json-lines", async () => {
    const json = await vmforge(["plan", "own.toml", "--json"]);
    expect(json.exitCode).toBe(2);
    expect((JSON.parse(json.stdout) as { error: unknown }).error).toMatchObject({
      code: "E_WINDOWS_NO_ISO",
      stage: "windows:write_answer_file",
      plugin: "vmforge-plugin-windows",
      pluginVersion: "1.0.0",
    });
    const lines = await vmforge(["plan", "own.toml", "--json-lines"]);
    const last = JSON.parse(lines.stdout.trim().split("\n").at(-1)!) as { event: string; error: unknown };
    expect(last.event).toBe("error");
    expect(last.error).toMatchObject({ code: "E_WINDOWS_NO_ISO", stage: "windows:write_answer_file", plugin: "vmforge-plugin-windows" });
  });

  it("turns a plain Error into E_STAGE_FAILED with the stage, the plugin and a fix naming it as the plugin's bug; no stack without VMFORGE_DEBUG", async () => {
    const result = await vmforge(["plan", "plain.toml"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error[E_STAGE_FAILED]: Stage windows:write_answer_file (vmforge-plugin-windows) failed: ctx.x is not a function");
    expect(result.stderr).toContain("  in stage windows:write_answer_file of vmforge-plugin-windows 1.0.0");
    expect(result.stderr).toContain("  fix: This is a bug in vmforge-plugin-windows 1.0.0: report it to its authors; run with VMFORGE_DEBUG=1 for the stack.");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("with VMFORGE_DEBUG=1 shows the stack of the original error at the end of the cause chain, not the wrapper's", async () => {
    for (const mode of ["plain", "internal"]) {
      const result = await vmforge(["plan", `${mode}.toml`], { VMFORGE_DEBUG: "1" });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("caused by: RangeError: the original fault");
      expect(result.stderr).toMatch(/at deepest \(.*stage\.js/);
      // The kernel's wrapper is not the stack shown.
      expect(result.stderr).not.toMatch(/^\s*VmforgeError: |at stageError/m);
    }
  });

  it("names a thrown string for what it is", async () => {
    const result = await vmforge(["plan", "string.toml"], { VMFORGE_DEBUG: "1" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("failed: a bare string");
    expect(result.stderr).toContain("why: The stage threw a string value, not a VmforgeError");
    expect(result.stderr).toContain("caused by: thrown: a bare string");
  });
});

describe("one broken third-party plugin beside env-check", () => {
  const { root } = tempRoot("broken-plugin");
  const hostRoot = join(examplesDir, "hosts", "z370-gt1030");
  let project: string;

  beforeAll(() => {
    project = linkedProject(root, { "@vmforge/plugin-env-check": "plugin-env-check" });
    const broken = writePackage(root, "vmforge-plugin-broken", "0.3.0", {
      "plugin.js": manifest(
        "vmforge-plugin-broken",
        "0.3.0",
        `stages: [
  { id: "broken:one", description: "one", reads: ["from_two"], writes: ["from_one"], load: () => import("./none.js") },
  { id: "broken:two", description: "two", reads: ["from_one", "nobody_writes_this"], writes: ["from_two"], load: () => import("./none.js") },
]`,
      ),
    });
    symlinkSync(broken, join(project, "node_modules", "vmforge-plugin-broken"), "dir");
    const manifestPath = join(project, "package.json");
    const pkg = { name: "my-vms", private: true, type: "module", devDependencies: { "@vmforge/plugin-env-check": "*", "vmforge-plugin-broken": "*" } };
    writeFileSync(manifestPath, JSON.stringify(pkg));
  });

  it("does not break `vmforge check`, which warns once naming the plugin", async () => {
    const result = await execa("node", [cliBin, "check", "--host-root", hostRoot], { cwd: project, reject: false });
    expect([0, 3], result.stderr).toContain(result.exitCode);
    expect(result.stdout + result.stderr).toContain("vmforge-plugin-broken: 2 problems (E_SESSION_NO_PROVIDER, E_STAGE_CYCLE) in stages this run does not use; they are left out.");
    expect(result.stderr).not.toContain("E_STAGE_GRAPH");
  });

  it("`vmforge stages` (the whole graph) still reports the cycle with its keys and the missing provider", async () => {
    const result = await execa("node", [cliBin, "stages"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error[E_STAGE_GRAPH]");
    expect(result.stderr).toContain("broken:two (vmforge-plugin-broken) reads session.nobody_writes_this, but no installed plugin writes it.");
    expect(result.stderr).toMatch(/Stages wait on each other in a cycle: broken:(one|two) --\(writes session\.from_(one|two), read by\)--> broken:(one|two) --\(writes session\.from_(one|two), read by\)--> broken:(one|two)\./);
    expect(result.stderr).not.toMatch(/remove .* from the dependsOn/);
  });
});
