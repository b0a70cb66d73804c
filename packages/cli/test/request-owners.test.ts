import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { discoverPlugins } from "../src/runtime.js";
import { FIRST_PARTY_TABLES } from "../src/first-party-tables.js";
import { FIRST_PARTY_PLUGINS } from "../src/first-party-plugins.js";
import { installHint } from "../src/install-hint.js";
import { cliBin, linkedProject, makeProject, tempRoot, writeFakePlugin } from "./project-fixture.js";

const FULL_REQUEST = '[vm]\nname = "web"\nguest = "linux"\n\n[cpu]\ncores = 2\n\n[linux]\nhostname = "web"\n';
const exampleHost = join(examplesDir, "hosts", "z370-gt1030");

interface JsonLine {
  event: string;
  type?: string;
  exitCode?: number;
  error?: { code: string; fix: string; problems: Array<{ code: string; keyPath: string; line?: number; message: string }> };
}

function jsonLines(stdout: string): JsonLine[] {
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonLine);
}

describe("a run that no installed plugin would read refuses, and names what to install", () => {
  it("outside a project, `apply broken.toml` refuses with exit 2 instead of reporting a VM set up", async () => {
    const { root } = tempRoot("no-project");
    const dataHome = join(root, "data");
    const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(root, "config"), CI: "1" };
    writeFileSync(join(root, "broken.toml"), "[vm\nname = ");
    writeFileSync(join(root, "full.toml"), FULL_REQUEST);
    const broken = await execa("node", [cliBin, "apply", "broken.toml"], { cwd: root, env, reject: false });
    expect(broken.exitCode).toBe(2);
    expect(broken.stdout).not.toContain("is set up");
    expect(broken.stderr).toContain("error[E_NO_CONFIG_READER]");
    expect(broken.stderr).toContain(`There is no package.json at or above ${root}`);
    expect(broken.stderr).toContain("npm init -y && npm i -D @vmforge/cli @vmforge/plugin-qemu-setup");
    expect(broken.stderr).toContain(`install for your user (into ${join(root, "config")}): \`vmforge plugins add @vmforge/plugin-qemu-setup\``);
    expect(broken.stderr).not.toContain("E_INTERNAL");

    const full = await execa("node", [cliBin, "apply", "full.toml"], { cwd: root, env, reject: false });
    expect(full.exitCode).toBe(2);
    expect(full.stdout).not.toContain("is set up");
    expect(full.stderr).toContain(`${join(root, "full.toml")}:1:1  vm: [vm] belongs to @vmforge/plugin-qemu-setup, which is not installed`);
    expect(full.stderr).toContain(`${join(root, "full.toml")}:8:1  linux: [linux] belongs to @vmforge/plugin-linux-setup, which is not installed`);
    expect(full.stderr).toContain("npm i -D @vmforge/cli @vmforge/plugin-qemu-setup @vmforge/plugin-linux-setup");
    expect(readdirSync(root).sort()).toEqual(["broken.toml", "full.toml", "markers"]);
  });

  it("with only the host check installed, `plan` of a full request runs no stage, exits 2 and ends its JSON lines with the error", async () => {
    const { root } = tempRoot("env-only");
    const project = linkedProject(root, { "@vmforge/plugin-env-check": "plugin-env-check" });
    writeFileSync(join(project, "full.toml"), FULL_REQUEST);
    const result = await execa("node", [cliBin, "plan", "full.toml", "--json-lines", "--host-root", exampleHost], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).not.toContain("Dry run");
    const lines = jsonLines(result.stdout);
    expect(lines.filter((line) => line.event === "stage-start")).toEqual([]);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ event: "error", type: "error", exitCode: 2, error: { code: "E_NO_CONFIG_READER" } });
    expect(last.error!.problems.map((problem) => [problem.keyPath, problem.code, problem.line])).toEqual([
      ["vm", "E_CONFIG_PLUGIN_MISSING", 1],
      ["cpu", "E_CONFIG_PLUGIN_MISSING", 5],
      ["linux", "E_CONFIG_PLUGIN_MISSING", 8],
    ]);
    expect(last.error!.problems[2]!.message).toContain("@vmforge/plugin-linux-setup");
    // No lockfile: npm, as a dev dependency like the plugin already there.
    expect(last.error!.fix).toBe(`Install them in ${project}: \`npm i -D @vmforge/plugin-qemu-setup @vmforge/plugin-linux-setup\``);
  });

  it("the install line follows the project's package manager", async () => {
    const { root } = tempRoot("pnpm-project");
    const project = linkedProject(root, { "@vmforge/plugin-env-check": "plugin-env-check" });
    writeFileSync(join(project, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
    writeFileSync(join(project, "full.toml"), FULL_REQUEST);
    const result = await execa("node", [cliBin, "plan", "full.toml"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("`pnpm add -D @vmforge/plugin-qemu-setup @vmforge/plugin-linux-setup`");
  });

  it("with the hardware plugin but not the Linux one, [linux] of web-1 is named with its line and package", async () => {
    const { root } = tempRoot("no-linux");
    const project = linkedProject(root, { "@vmforge/plugin-env-check": "plugin-env-check", "@vmforge/plugin-qemu-setup": "plugin-qemu-setup" });
    const result = await execa("node", [cliBin, "plan", join(examplesDir, "web-1.toml"), "--host-root", exampleHost, "--json"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    const { error } = JSON.parse(result.stdout) as Required<JsonLine>;
    expect(error.code).toBe("E_CONFIG_TABLE_UNOWNED");
    const linuxLine = readFileSync(join(examplesDir, "web-1.toml"), "utf8").split("\n").indexOf("[linux]") + 1;
    expect(linuxLine).toBeGreaterThan(1);
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_CONFIG_PLUGIN_MISSING", keyPath: "linux", line: linuxLine, column: 1 })]);
    expect(error.fix).toContain("npm i -D @vmforge/plugin-linux-setup");
  });

  it("an unknown table gets a did-you-mean, and a hostile one (__proto__) is just unknown", async () => {
    const { root } = tempRoot("unknown-table");
    const config = join(root, "vm.toml");
    writeFileSync(config, '[vm]\nname = "a"\n[memroy]\nsize = "2GiB"\n[__proto__]\npolluted = true\n[kubernetes]\nx = 1\n');
    const result = await execa("node", [cliBin, "plan", config, "--json", "--project", repoRoot], { reject: false });
    expect(result.exitCode).toBe(2);
    const { error } = JSON.parse(result.stdout) as Required<JsonLine>;
    expect(error.code).toBe("E_CONFIG_TABLE_UNOWNED");
    expect(error.problems.map((problem) => [problem.keyPath, problem.code, problem.line])).toEqual([
      ["memroy", "E_CONFIG_UNKNOWN_TABLE", 3],
      ["__proto__", "E_CONFIG_UNKNOWN_TABLE", 5],
      ["kubernetes", "E_CONFIG_UNKNOWN_TABLE", 7],
    ]);
    expect(error.problems[0]!.message).toBe("unknown table [memroy]; did you mean [memory]?");
    expect(error.problems[2]!.message).toBe("unknown table [kubernetes]");
  });

  it("the first-party table list the CLI names packages from is what the first-party manifests declare", async () => {
    const { plugins } = await discoverPlugins(repoRoot, { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: repoRoot });
    const declared = Object.fromEntries(plugins.flatMap((plugin) => (plugin.config?.tables ?? []).map((table) => [table, plugin.name])));
    expect(declared).toEqual(FIRST_PARTY_TABLES);
  });

  it("the first-party plugin list `plugins add` suggests from is the vmforge bundle's plugins", () => {
    const bundle = JSON.parse(readFileSync(join(repoRoot, "packages", "vmforge", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const plugins = Object.keys(bundle.dependencies).filter((name) => name.startsWith("@vmforge/plugin-"));
    expect([...FIRST_PARTY_PLUGINS].sort()).toEqual(plugins.sort());
  });

  it("install lines for yarn, bun, a pnpm workspace root and a project that keeps vmforge in dependencies", () => {
    const { root } = tempRoot("install-hint");
    const place = (name: string, manifest: Record<string, unknown>, files: string[] = []) => {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
      for (const file of files) writeFileSync(join(dir, file), "");
      return { projectDir: dir, userConfigDir: join(root, "config") };
    };
    expect(installHint(["p"], place("yarn", { packageManager: "yarn@4.1.0" }))).toContain("`yarn add -D p`");
    expect(installHint(["p"], place("bun", {}, ["bun.lock"]))).toContain("`bun add -d p`");
    expect(installHint(["p"], place("workspace", {}, ["pnpm-lock.yaml", "pnpm-workspace.yaml"]))).toContain("`pnpm add -D -w p`");
    expect(installHint(["p", "q"], place("prod", { dependencies: { "@vmforge/plugin-env-check": "^0.1.0" } }, ["package-lock.json"]))).toContain("`npm i p q`");
  });
});

describe("a run where no stage worked on the request", () => {
  const { root, markers } = tempRoot("idle");
  let project: string;

  beforeAll(() => {
    const reader = writeFakePlugin(root, "vmforge-plugin-reader", markers, [{ id: "reader:define_vm", when: "false", body: `marker("defined");` }], { tables: ["vm"] });
    const host = writeFakePlugin(root, "vmforge-plugin-host", markers, [{ id: "host:read_host", body: `ctx.ui.info("read the host");` }]);
    project = makeProject(root, { "vmforge-plugin-reader": `file:${reader}`, "vmforge-plugin-host": `file:${host}` });
    writeFileSync(join(project, "vm.toml"), '[vm]\nname = "idle"\n');
  }, 120_000);

  it.each(["plan", "apply"])("%s does not report success when every stage that reads the request was skipped", async (command) => {
    const result = await execa("node", [cliBin, command, "vm.toml"], { cwd: project, env: { VMFORGE_DATA_HOME: join(root, "data"), CI: "1" }, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("read the host");
    expect(result.stdout).not.toMatch(/is set up|Dry run/);
    expect(result.stderr).toContain("error[E_NOTHING_DONE]");
    expect(result.stderr).toContain("Only host:read_host ran, and none of them reads the VM description.");
  });
});
