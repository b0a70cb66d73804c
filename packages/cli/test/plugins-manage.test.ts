import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { repoRoot } from "@vmforge/test-support";
import { cliBin, makeProject, tempRoot, writeFakePlugin } from "./project-fixture.js";

/**
 * `vmforge plugins add/remove` install into $VMFORGE_CONFIG_HOME with npm, offline here: the
 * plugins are folders and tarballs, and the kernel is this checkout's, packed.
 */
describe("vmforge plugins add and remove", () => {
  const { root, markers } = tempRoot("plugins-add");
  const config = join(root, "config");
  const env = { VMFORGE_CONFIG_HOME: config, npm_config_offline: "true", npm_config_fetch_retries: "0" };
  let kernelTarball = "";
  let elsewhere = "";
  const vmforge = (args: string[], options: { env?: Record<string, string> } = {}) => execa("node", [cliBin, ...args], { cwd: elsewhere, env: { ...env, ...options.env }, reject: false });
  const listed = () => Object.keys((JSON.parse(readFileSync(join(config, "package.json"), "utf8")) as { dependencies?: object }).dependencies ?? {}).sort();

  beforeAll(async () => {
    mkdirSync(join(root, "packs"));
    await execa("pnpm", ["pack", "--pack-destination", join(root, "packs")], { cwd: join(repoRoot, "packages", "kernel") });
    kernelTarball = join(root, "packs", readdirSync(join(root, "packs"))[0]!);
    elsewhere = makeProject(join(root, "elsewhere"), {});
  }, 120_000);

  it("--dry-run prints the npm command with the CLI's kernel and creates nothing", async () => {
    const result = await vmforge(["plugins", "add", "vmforge-plugin-mine@^2", "--dry-run"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`create ${join(config, "package.json")}`);
    const kernelVersion = (JSON.parse(readFileSync(join(repoRoot, "packages", "kernel", "package.json"), "utf8")) as { version: string }).version;
    expect(result.stdout).toContain(`npm install --prefix ${config} --save --install-links --no-audit --no-fund --loglevel=error 'vmforge-plugin-mine@^2' @vmforge/kernel@${kernelVersion}`);
    expect(existsSync(config)).toBe(false);
  });

  it("installs a plugin folder and the given kernel, then every command finds it from any folder", async () => {
    const plugin = writeFakePlugin(root, "vmforge-plugin-mine", markers, [{ id: "mine:do_it" }]);
    const result = await vmforge(["plugins", "add", plugin, "--kernel", kernelTarball]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Added vmforge-plugin-mine 1.2.3 (1 stage) to ${config}.`);
    expect(listed()).toEqual(["@vmforge/kernel", "vmforge-plugin-mine"]);
    // A copy (--install-links), not a link to the folder it came from.
    expect(existsSync(join(config, "node_modules", "vmforge-plugin-mine", "plugin.js"))).toBe(true);
    const plugins = await vmforge(["plugins", "--json"]);
    expect((JSON.parse(plugins.stdout) as { plugins: Array<{ package: string; source: string }> }).plugins).toEqual([expect.objectContaining({ package: "vmforge-plugin-mine", source: "user" })]);
  }, 120_000);

  it("installs a tarball next to what is there, without asking for the kernel again", async () => {
    const other = writeFakePlugin(join(root, "other"), "@acme/vmforge-plugin-other", markers, [{ id: "other:one" }, { id: "other:two" }]);
    const packed = await execa("npm", ["pack", "--pack-destination", join(root, "packs"), "--json"], { cwd: other });
    const tarball = join(root, "packs", (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
    const result = await vmforge(["plugins", "add", tarball, "--json"]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { command: string; added: Array<{ package: string; stages: string[] }> };
    expect(report.command).not.toContain("@vmforge/kernel");
    expect(report.added).toEqual([expect.objectContaining({ package: "@acme/vmforge-plugin-other", stages: ["other:one", "other:two"] })]);
    expect(listed()).toEqual(["@acme/vmforge-plugin-other", "@vmforge/kernel", "vmforge-plugin-mine"]);
  }, 120_000);

  it("uninstalls a package named like a plugin that does not load as one, and fails with exit 2", async () => {
    const dir = join(root, "sources", "vmforge-plugin-hollow");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "vmforge-plugin-hollow", version: "0.0.1", type: "module", exports: { "./plugin": "./plugin.js" } }));
    writeFileSync(join(dir, "plugin.js"), "export const notAPlugin = 1;\n");
    const result = await vmforge(["plugins", "add", dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_PLUGIN_REJECTED");
    expect(result.stderr).toContain("vmforge-plugin-hollow is not a vmforge plugin that loads; uninstalled again.");
    expect(result.stderr).toContain("does not export a `plugin`");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(listed()).not.toContain("vmforge-plugin-hollow");
    expect(existsSync(join(config, "node_modules", "vmforge-plugin-hollow"))).toBe(false);
    expect(listed()).toContain("vmforge-plugin-mine");
  }, 120_000);

  it("refuses names and paths that are not plugins, before npm runs", async () => {
    const shortName = await vmforge(["plugins", "add", "env-check"]);
    expect(shortName.exitCode).toBe(2);
    expect(shortName.stderr).toContain("E_NOT_A_PLUGIN_NAME");
    expect(shortName.stderr).toContain("Did you mean @vmforge/plugin-env-check?");
    const library = await vmforge(["plugins", "add", "lodash@4"]);
    expect(library.exitCode).toBe(2);
    expect(library.stderr).toContain('"lodash" is not a vmforge plugin package name.');
    for (const aliased of ["vmforge-plugin-x@npm:left-pad@1", "vmforge-plugin-x@file:../../etc", "vmforge-plugin-x@git+https://example.com/x.git", "vmforge-plugin-x@latest;id"]) {
      const refused = await vmforge(["plugins", "add", aliased, "--dry-run"]);
      expect(refused.exitCode, aliased).toBe(2);
      expect(refused.stderr, aliased).toContain("E_PLUGIN_VERSION_SPEC");
      expect(refused.stdout, aliased).not.toContain("npm install");
    }
    for (const version of ["vmforge-plugin-x@1.2.3", "vmforge-plugin-x@^1.2", "@acme/vmforge-plugin-x@latest", "vmforge-plugin-x@>=1.0.0 <2"]) {
      const planned = await vmforge(["plugins", "add", version, "--dry-run"]);
      expect(planned.exitCode, version).toBe(0);
    }
    const fifoFolder = join(root, "fifo-package");
    mkdirSync(fifoFolder);
    execFileSync("mkfifo", [join(fifoFolder, "package.json")]);
    const fifo = await vmforge(["plugins", "add", fifoFolder]);
    expect(fifo.exitCode).toBe(2);
    expect(fifo.stderr).toContain("E_NOT_A_PACKAGE");
    const cliFolder = await vmforge(["plugins", "add", join(repoRoot, "packages", "cli")]);
    expect(cliFolder.exitCode).toBe(2);
    expect(cliFolder.stderr).toContain("is the package @vmforge/cli, which is not a vmforge plugin.");
    const missing = await vmforge(["plugins", "add", "./nowhere.tgz"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("E_PLUGIN_PATH_MISSING");
    const notATarball = join(root, "not-a-tarball.tgz");
    writeFileSync(notATarball, "plain text");
    const broken = await vmforge(["plugins", "add", notATarball]);
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain("E_NOT_A_PACKAGE");
    const wrongKernel = await vmforge(["plugins", "add", "vmforge-plugin-x", "--kernel", "vmforge-plugin-y"]);
    expect(wrongKernel.exitCode).toBe(2);
    expect(wrongKernel.stderr).toContain("--kernel names vmforge-plugin-y, not @vmforge/kernel.");
    const none = await vmforge(["plugins", "add"]);
    expect(none.exitCode).toBe(2);
    for (const result of [shortName, library, cliFolder, missing, broken, wrongKernel, none]) expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("npm failing is exit 1 with npm's own last lines; npm missing is exit 2", async () => {
    const before = listed();
    const failed = await vmforge(["plugins", "add", "vmforge-plugin-not-in-any-cache@9.9.9"]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain("E_NPM_FAILED");
    expect(failed.stderr).toMatch(/npm said:[\s\S]*(ENOTCACHED|E404|ENOTFOUND)/);
    expect(listed()).toEqual(before);
    const freshConfig = join(root, "fresh-config", "vmforge");
    const noNpm = await execa(process.execPath, [cliBin, "plugins", "add", "vmforge-plugin-x"], { cwd: elsewhere, env: { ...env, VMFORGE_CONFIG_HOME: freshConfig, PATH: join(root, "empty-path") }, extendEnv: false, reject: false });
    expect(noNpm.exitCode).toBe(2);
    expect(noNpm.stderr).toContain("E_NPM_MISSING");
    // The folders and package.json a first add would have made are gone again.
    expect(existsSync(join(root, "fresh-config"))).toBe(false);
  }, 120_000);

  it("removes what was added; a name that is not there is exit 2 with a did-you-mean", async () => {
    const typo = await vmforge(["plugins", "remove", "vmforge-plugin-mien"]);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("E_PLUGIN_NOT_ADDED");
    expect(typo.stderr).toContain("Did you mean vmforge-plugin-mine?");
    const dry = await vmforge(["plugins", "remove", "vmforge-plugin-mine", "--dry-run"]);
    expect(dry.stdout).toContain(`npm uninstall --prefix ${config} --no-audit --no-fund --loglevel=error vmforge-plugin-mine`);
    expect(listed()).toContain("vmforge-plugin-mine");
    const removed = await vmforge(["plugins", "remove", "vmforge-plugin-mine"]);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toContain(`Removed vmforge-plugin-mine from ${config}.`);
    expect(listed()).toEqual(["@acme/vmforge-plugin-other", "@vmforge/kernel"]);
    const plugins = await vmforge(["plugins", "--json"]);
    expect((JSON.parse(plugins.stdout) as { plugins: Array<{ package: string }> }).plugins.map((plugin) => plugin.package)).toEqual(["@acme/vmforge-plugin-other"]);
    expect(dirname(config)).toBe(root);
  }, 120_000);

  it("an unknown plugins sub-command is exit 2 with the usage", async () => {
    const result = await vmforge(["plugins", "instal", "x"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Unknown plugins command "instal"');
    expect(result.stderr).toContain("vmforge plugins add NAME...");
  });
});
