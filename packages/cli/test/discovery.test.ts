import { describe, expect, it, beforeAll } from "vitest";
import { execa } from "execa";
import { join } from "node:path";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { findPlugins, isPluginPackageName, pluginSources } from "../src/discovery.js";
import { cliBin, makeProject, markerExists, tempRoot, writeFakePlugin } from "./project-fixture.js";
import { isVmforgeError } from "@vmforge/kernel";

describe("plugin package names", () => {
  it.each([
    ["@vmforge/plugin-env-check", true],
    ["vmforge-plugin-foo", true],
    ["@acme/vmforge-plugin-windows", true],
    ["@vmforge/kernel", false],
    ["@vmforge/cli", false],
    ["@acme/plugin-foo", false],
    ["vmforge", false],
    ["my-vmforge-plugin-foo", false],
  ])("%s is a plugin name: %s", (name, expected) => {
    expect(isPluginPackageName(name)).toBe(expected);
  });
});

describe("vmforge plugins in a project with two throw-away plugins", () => {
  const { root, markers } = tempRoot("discovery");
  let project: string;

  beforeAll(() => {
    const alpha = writeFakePlugin(root, "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const beta = writeFakePlugin(root, "@acme/vmforge-plugin-beta", markers, [{ id: "beta:do_two" }, { id: "beta:do_three" }]);
    // Present on disk and even installed, but not a dependency of the project: must not load.
    const gamma = writeFakePlugin(root, "vmforge-plugin-gamma", markers, [{ id: "gamma:never" }]);
    project = makeProject(root, { "vmforge-plugin-alpha": `file:${alpha}`, "@acme/vmforge-plugin-beta": `file:${beta}`, "not-a-plugin": `file:${gamma}` });
  }, 120_000);

  it("lists exactly the plugins the project depends on, with version, path and stages", async () => {
    const result = await execa("node", [cliBin, "plugins", "--json"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(0);
    const { plugins } = JSON.parse(result.stdout) as { plugins: Array<{ package: string; version: string; path: string; stages: string[]; source: string }> };
    expect(plugins.map((plugin) => plugin.package)).toEqual(["@acme/vmforge-plugin-beta", "vmforge-plugin-alpha"]);
    expect(plugins[0]!.stages).toEqual(["beta:do_two", "beta:do_three"]);
    expect(plugins[1]!.version).toBe("1.2.3");
    expect(plugins[1]!.path).toContain(join("sources", "vmforge-plugin-alpha"));
    expect(plugins.every((plugin) => plugin.source === "project")).toBe(true);
  });

  it("imports the listed manifests only, and no stage code", async () => {
    await execa("node", [cliBin, "plugins"], { cwd: project });
    expect(markerExists(markers, "vmforge-plugin-alpha.manifest")).toBe(true);
    expect(markerExists(markers, "@acme__vmforge-plugin-beta.manifest")).toBe(true);
    expect(markerExists(markers, "vmforge-plugin-gamma.manifest")).toBe(false);
    expect(markerExists(markers, "alpha__do_one.stage")).toBe(false);
    expect(markerExists(markers, "beta__do_two.stage")).toBe(false);
  });

  it("orders the stages without loading them (`vmforge stages`)", async () => {
    const result = await execa("node", [cliBin, "stages", "--format", "json"], { cwd: project });
    const graph = JSON.parse(result.stdout) as { stages: Array<{ id: string }> };
    expect(graph.stages.map((stage) => stage.id).sort()).toEqual(["alpha:do_one", "beta:do_three", "beta:do_two"]);
    expect(markerExists(markers, "alpha__do_one.stage")).toBe(false);
  });

  it("finds the plugins from a sub-folder of the project and with --project", async () => {
    const fromElsewhere = await execa("node", [cliBin, "plugins", "--json", "--project", project], { cwd: root });
    expect((JSON.parse(fromElsewhere.stdout) as { plugins: unknown[] }).plugins).toHaveLength(2);
  });
});

describe("discovery errors", () => {
  it("names both paths when two copies of one plugin are installed", async () => {
    const { root, markers } = tempRoot("duplicate");
    const first = writeFakePlugin(join(root, "one"), "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const second = writeFakePlugin(join(root, "two"), "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const projectOne = makeProject(join(root, "p1"), { "vmforge-plugin-alpha": `file:${first}` });
    const projectTwo = makeProject(join(root, "p2"), { "vmforge-plugin-alpha": `file:${second}` });
    let caught: unknown;
    try {
      await findPlugins([
        { manifestPath: join(projectOne, "package.json"), origin: "project" },
        { manifestPath: join(projectTwo, "package.json"), origin: "global" },
      ]);
    } catch (error) {
      caught = error;
    }
    expect(isVmforgeError(caught)).toBe(true);
    const problem = (caught as { problems: Array<{ code: string; message: string }> }).problems[0]!;
    expect(problem.code).toBe("E_PLUGIN_DUPLICATE");
    expect(problem.message).toContain(join("one", "sources", "vmforge-plugin-alpha"));
    expect(problem.message).toContain(join("two", "sources", "vmforge-plugin-alpha"));
  }, 120_000);

  it("reports a listed plugin that is not installed, with the fix", async () => {
    const { root } = tempRoot("missing");
    const project = makeProject(root, {});
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "p", dependencies: { "vmforge-plugin-nowhere": "^1.0.0" } }));
    const result = await execa("node", [cliBin, "plugins"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_PLUGIN_NOT_INSTALLED");
    expect(result.stderr).toContain("vmforge-plugin-nowhere");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("reads the project, then the user's plugin folder, then the bundle, and nothing else", () => {
    const { root } = tempRoot("sources");
    const project = makeProject(root, {});
    const userConfigDir = join(root, "config");
    mkdirSync(userConfigDir);
    writeFileSync(join(userConfigDir, "package.json"), "{}");
    const bundleManifest = join(root, "bundle.json");
    writeFileSync(bundleManifest, "{}");
    expect(pluginSources({ projectDir: join(project, "sub", "dir"), userConfigDir, bundleManifest })).toEqual([
      { manifestPath: join(project, "package.json"), origin: "project" },
      { manifestPath: join(userConfigDir, "package.json"), origin: "user" },
      { manifestPath: bundleManifest, origin: "global" },
    ]);
    // A missing user folder or bundle is no source; the same file is never read twice.
    expect(pluginSources({ projectDir: project, userConfigDir: join(root, "nowhere"), bundleManifest: join(project, "package.json") })).toEqual([
      { manifestPath: join(project, "package.json"), origin: "project" },
    ]);
  });

  it("finds plugins a user installed in the config folder", async () => {
    const { root, markers } = tempRoot("user-plugins");
    const userConfigDir = join(root, "config");
    const plugin = writeFakePlugin(root, "vmforge-plugin-mine", markers, [{ id: "mine:do_it" }]);
    mkdirSync(userConfigDir);
    writeFileSync(join(userConfigDir, "package.json"), JSON.stringify({ dependencies: { "vmforge-plugin-mine": `file:${plugin}` } }));
    await execa("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: userConfigDir });
    const project = makeProject(join(root, "p"), {});
    const result = await execa("node", [cliBin, "plugins", "--json"], { cwd: project, env: { VMFORGE_CONFIG_HOME: userConfigDir } });
    expect((JSON.parse(result.stdout) as { plugins: Array<{ package: string; source: string }> }).plugins).toEqual([
      expect.objectContaining({ package: "vmforge-plugin-mine", source: "user" }),
    ]);
  }, 120_000);
});

describe("resolving a plugin's entry", () => {
  it("follows the exports map of a plugin without ./package.json in it, through the full resolver", async () => {
    const { root } = tempRoot("entry");
    const dir = join(root, "sources", "vmforge-plugin-closed");
    mkdirSync(join(dir, "lib"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "vmforge-plugin-closed", version: "2.0.0", type: "module", exports: { "./plugin": { import: "./lib/manifest.js" } } }));
    writeFileSync(join(dir, "lib", "manifest.js"), "export const plugin = { name: 'vmforge-plugin-closed', version: '2.0.0', description: '', stages: [] };");
    const project = makeProject(root, { "vmforge-plugin-closed": `file:${dir}` });
    const [found] = await findPlugins([{ manifestPath: join(project, "package.json"), origin: "project" }]);
    expect(found).toMatchObject({ packageName: "vmforge-plugin-closed", version: "2.0.0" });
    expect(found!.entryUrl.endsWith("/lib/manifest.js")).toBe(true);
  }, 120_000);
});

/**
 * `vmforge` (the bundle) lists the first-party plugins in its own package.json. A project that
 * depends on it gets them whichever `vmforge` bin the package manager linked: npm links
 * `@vmforge/cli`'s, whose discovery must see the bundle through the project's dependency.
 */
describe("a project that depends on the vmforge bundle", () => {
  /**
   * A project laid out as npm installs one: node_modules/vmforge (the bundle, listing `plugins`)
   * with the plugins hoisted beside it, or under the bundle's own node_modules when `nested`.
   */
  function bundleProject(root: string, plugins: Record<string, string>, options: { nested?: string[]; projectDependencies?: Record<string, string> } = {}): string {
    const project = join(root, "project");
    const bundle = join(project, "node_modules", "vmforge");
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, "package.json"), JSON.stringify({ name: "vmforge", version: "9.9.9", type: "module", exports: { "./package.json": "./package.json" }, dependencies: Object.fromEntries(Object.keys(plugins).map((name) => [name, "^1.0.0"])) }));
    for (const [name, source] of Object.entries(plugins)) {
      cpSync(source, join(options.nested?.includes(name) ? join(bundle, "node_modules") : join(project, "node_modules"), name), { recursive: true });
    }
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-vms", private: true, dependencies: { vmforge: "^9.9.9", ...options.projectDependencies } }));
    return project;
  }

  it("finds the bundle's plugins through the CLI's own bin, as coming from the bundle", async () => {
    const { root, markers } = tempRoot("bundle");
    const alpha = writeFakePlugin(root, "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const project = bundleProject(root, { "vmforge-plugin-alpha": alpha });
    const result = await execa("node", [cliBin, "plugins", "--json"], { cwd: project, reject: false });
    expect(result.stderr).toBe("");
    const { plugins } = JSON.parse(result.stdout) as { plugins: Array<{ package: string; source: string; path: string }> };
    expect(plugins).toEqual([expect.objectContaining({ package: "vmforge-plugin-alpha", source: "global" })]);
    expect(plugins[0]!.path).toContain(join("project", "node_modules"));
  });

  it("reads the bundle's package.json right after the project's, once even when the bundle's own bin runs", () => {
    const { root, markers } = tempRoot("bundle-sources");
    const alpha = writeFakePlugin(root, "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const project = bundleProject(root, { "vmforge-plugin-alpha": alpha });
    const installedBundle = join(project, "node_modules", "vmforge", "package.json");
    const userConfigDir = join(root, "config");
    mkdirSync(userConfigDir);
    writeFileSync(join(userConfigDir, "package.json"), "{}");
    expect(pluginSources({ projectDir: project, userConfigDir, bundleManifest: installedBundle })).toEqual([
      { manifestPath: join(project, "package.json"), origin: "project" },
      { manifestPath: installedBundle, origin: "global" },
      { manifestPath: join(userConfigDir, "package.json"), origin: "user" },
    ]);
    // The user's plugin folder may depend on the bundle too (`npm install --prefix` of vmforge).
    const userBundle = join(userConfigDir, "node_modules", "vmforge");
    mkdirSync(userBundle, { recursive: true });
    writeFileSync(join(userBundle, "package.json"), JSON.stringify({ name: "vmforge", version: "9.9.8" }));
    writeFileSync(join(userConfigDir, "package.json"), JSON.stringify({ dependencies: { vmforge: "^9.9.8" } }));
    expect(pluginSources({ projectDir: join(root, "elsewhere"), userConfigDir })).toEqual([
      { manifestPath: join(userConfigDir, "package.json"), origin: "user" },
      { manifestPath: join(userBundle, "package.json"), origin: "global" },
    ]);
  });

  it("a plugin the project pins to another version than the bundle's is a duplicate naming both paths", async () => {
    const { root, markers } = tempRoot("bundle-duplicate");
    const bundled = writeFakePlugin(join(root, "bundled"), "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const pinned = writeFakePlugin(join(root, "pinned"), "vmforge-plugin-alpha", markers, [{ id: "alpha:do_one" }]);
    const pinnedManifest = join(pinned, "package.json");
    writeFileSync(pinnedManifest, readFileSync(pinnedManifest, "utf8").replace('"1.2.3"', '"2.0.0"'));
    const project = bundleProject(root, { "vmforge-plugin-alpha": bundled }, { nested: ["vmforge-plugin-alpha"], projectDependencies: { "vmforge-plugin-alpha": "^2.0.0" } });
    cpSync(pinned, join(project, "node_modules", "vmforge-plugin-alpha"), { recursive: true });
    const result = await execa("node", [cliBin, "plugins"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_PLUGIN_DUPLICATE");
    expect(result.stderr).toContain(join("project", "node_modules", "vmforge-plugin-alpha"));
    expect(result.stderr).toContain(join("node_modules", "vmforge", "node_modules", "vmforge-plugin-alpha"));
    expect(result.stderr).toMatch(/2\.0\.0.*1\.2\.3/s);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a bundle that is listed but not installed is reported with the fix, exit 2", async () => {
    const { root } = tempRoot("bundle-missing");
    const project = join(root, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "p", dependencies: { vmforge: "^0.1.0" } }));
    const result = await execa("node", [cliBin, "plugins"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_PLUGIN_NOT_INSTALLED");
    expect(result.stderr).toContain(`vmforge (the CLI with every first-party plugin) is listed in ${join(project, "package.json")}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // An optional bundle that is absent is no source and no problem.
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "p", optionalDependencies: { vmforge: "^0.1.0" } }));
    expect((await execa("node", [cliBin, "plugins", "--json"], { cwd: project })).stdout).toContain('"plugins": []');
  });
});
