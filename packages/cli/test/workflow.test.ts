import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliBin, makeProject, readJson, tempRoot, writeFakePlugin } from "./project-fixture.js";

/** Lists every file below a folder, for before/after comparisons. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length))
    .sort();
}

describe("plan and apply from end to end with throw-away plugins", () => {
  const { root, markers } = tempRoot("workflow");
  let project: string;
  const dataHome = join(root, "data");
  const configHome = join(root, "config");
  const hostFile = join(root, "host-side-file.txt");
  const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: configHome, CI: "1" };

  beforeAll(() => {
    const maker = writeFakePlugin(root, "vmforge-plugin-maker", markers, [
      {
        id: "maker:make_thing",
        writes: ["thing"],
        body: `
  ctx.setRunName("demo");
  ctx.ui.info("making the thing");
  ctx.set(key("thing"), { size: 3, config: ctx.input.configPath });
  await ctx.writeArtifact("thing.txt", "three");
  await ctx.effects.writeFile(${JSON.stringify(hostFile)}, "touched");
  await ctx.effects.run("true", ["a name; with $(danger)"], { description: "a program" });`,
      },
    ], { tables: ["vm"] });
    const user = writeFakePlugin(root, "vmforge-plugin-user", markers, [
      { id: "user:use_thing", reads: ["thing"], body: `ctx.ui.result("used a thing of size " + ctx.get(key("thing")).size, { size: ctx.get(key("thing")).size });` },
    ]);
    project = makeProject(root, { "vmforge-plugin-maker": `file:${maker}`, "vmforge-plugin-user": `file:${user}` });
    writeFileSync(join(project, "vm.toml"), "[vm]\nname = \"demo\"\n");
    mkdirSync(dataHome, { recursive: true });
  }, 120_000);

  it("plan --out writes the artifacts and plan.json there and nothing else", async () => {
    const before = tree(dataHome);
    const out = join(root, "out");
    const result = await execa("node", [cliBin, "plan", "vm.toml", "--out", out], { cwd: project, env, reject: false });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(tree(out)).toEqual(["/plan.json", "/thing.txt"]);
    expect(readFileSync(join(out, "thing.txt"), "utf8")).toBe("three");
    expect(tree(dataHome)).toEqual(before);
    expect(existsSync(hostFile)).toBe(false);
    const plan = readJson<{ dryRun: boolean; name: string; effects: Array<{ kind: string; status: string; path?: string; command?: string[] }> }>(join(out, "plan.json"));
    expect(plan.dryRun).toBe(true);
    expect(plan.name).toBe("demo");
    expect(plan.effects).toEqual([
      expect.objectContaining({ kind: "write-file", status: "done", path: join(out, "thing.txt") }),
      expect.objectContaining({ kind: "write-file", status: "planned", path: hostFile }),
      expect.objectContaining({ kind: "run", status: "planned", command: ["true", "a name; with $(danger)"] }),
    ]);
    expect(result.stdout).toContain("used a thing of size 3");
    expect(result.stdout).toContain("apply would:");
    expect(result.stdout).toContain(`write ${hostFile}`);
  });

  it("plan without --out writes nothing at all", async () => {
    const before = tree(root);
    const result = await execa("node", [cliBin, "plan", "vm.toml", "--json"], { cwd: project, env, reject: false });
    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout) as { ok: boolean; effects: Array<{ status: string }>; results: Array<{ text: string }> };
    expect(document.ok).toBe(true);
    expect(document.effects.every((effect) => effect.status === "planned")).toBe(true);
    expect(document.results[0]!.text).toBe("used a thing of size 3");
    expect(tree(root)).toEqual(before);
  });

  it("apply carries the effects out and keeps the artifacts in the data folder", async () => {
    const result = await execa("node", [cliBin, "apply", "vm.toml", "--quiet"], { cwd: project, env, reject: false });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(hostFile, "utf8")).toBe("touched");
    expect(tree(join(dataHome, "vms", "demo"))).toEqual(["/plan.json", "/thing.txt"]);
    const plan = readJson<{ effects: Array<{ status: string }> }>(join(dataHome, "vms", "demo", "plan.json"));
    expect(plan.effects.map((effect) => effect.status)).toEqual(["done", "done", "done"]);
  });

  it("--json-lines streams stage boundaries and messages as JSON", async () => {
    const result = await execa("node", [cliBin, "plan", "vm.toml", "--json-lines"], { cwd: project, env });
    const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { event: string; stage?: string; type?: string });
    expect(lines.map((line) => `${line.event}:${line.stage ?? ""}:${line.type ?? ""}`)).toEqual([
      "stage-start:maker:make_thing:",
      "message:maker:make_thing:Info",
      "stage-end:maker:make_thing:",
      "stage-start:user:use_thing:",
      "message:user:use_thing:Result",
      "stage-end:user:use_thing:",
    ]);
  });

  it("plain output names each stage when not on a terminal", async () => {
    const result = await execa("node", [cliBin, "plan", "vm.toml", "--no-color"], { cwd: project, env });
    expect(result.stdout).toMatch(/> maker:make_thing\n {2}making the thing\n> user:use_thing\nused a thing of size 3/);
    expect(result.stdout).not.toContain("\u001b[");
  });
});

describe("check and exit codes", () => {
  const { root, markers } = tempRoot("check");
  let project: string;

  beforeAll(() => {
    const checker = writeFakePlugin(root, "vmforge-plugin-checker", markers, [
      {
        id: "checker:finalize_host_report",
        writes: ["host_report"],
        body: `
  ctx.set(key("host_report"), { kvm: false });
  ctx.ui.result("FAIL  kvm: /dev/kvm is missing", { checks: [{ id: "kvm", status: "fail" }] });
  ctx.markHostUnfit("no /dev/kvm");`,
      },
    ]);
    const other = writeFakePlugin(root, "vmforge-plugin-other", markers, [{ id: "other:not_a_check", body: `marker("other-ran");` }]);
    project = makeProject(root, { "vmforge-plugin-checker": `file:${checker}`, "vmforge-plugin-other": `file:${other}` });
  }, 120_000);

  it("runs only the stages that produce the host report and exits 3 when the host is unfit", async () => {
    const result = await execa("node", [cliBin, "check", "--json"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ checks: [{ id: "kvm", status: "fail" }] });
    expect(existsSync(join(markers, "other-ran"))).toBe(false);
    expect(existsSync(join(markers, "other__not_a_check.stage"))).toBe(false);
  });

  it.each([
    [["bogus"], 2, "E_USAGE"],
    [["plan"], 2, "A CONFIG file is required"],
    [["plan", "missing.toml"], 2, "E_CONFIG_NOT_FOUND"],
    [["stages", "--format", "svg"], 2, "Unknown format"],
    [["check", "--nope"], 2, "Unknown option"],
    [["resume"], 2, "E_COMMAND_UNAVAILABLE"],
  ])("vmforge %j exits %i with a clear message and no stack trace", async (args, code, text) => {
    const result = await execa("node", [cliBin, ...args], { cwd: project, reject: false });
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toContain(text);
    expect(result.stderr).toContain("fix:");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a user error under --json is one JSON document on stdout", async () => {
    const result = await execa("node", [cliBin, "plan", "missing.toml", "--json"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: "E_CONFIG_NOT_FOUND", exitCode: 2 } });
  });

  it("every command has --help", async () => {
    for (const command of ["init", "plugins", "stages", "check", "plan", "apply"]) {
      const result = await execa("node", [cliBin, command, "--help"], { cwd: project });
      expect(result.stdout).toContain(`Usage: vmforge ${command}`);
      expect(result.stdout).toContain("--json");
    }
  });

  it("stages renders mermaid and dot", async () => {
    const mermaid = await execa("node", [cliBin, "stages", "--format", "mermaid"], { cwd: project });
    expect(mermaid.stdout.split("\n")[0]).toBe("flowchart TD");
    expect(mermaid.stdout).toContain('["checker:finalize_host_report"]');
    const dot = await execa("node", [cliBin, "stages", "--format", "dot"], { cwd: project });
    expect(dot.stdout).toContain('"other:not_a_check";');
  });
});

describe("a closed pipe", () => {
  it("ends the command quietly, without an EPIPE stack trace", async () => {
    const { root } = tempRoot("pipe");
    // `true` exits at once, so the pipe is closed before node has written a byte.
    const result = await execa("sh", ["-c", `node ${JSON.stringify(cliBin)} --help | true; node ${JSON.stringify(cliBin)} stages --format dot --project ${JSON.stringify(root)} | true`], { reject: false });
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.exitCode).toBe(0);
  });
});
