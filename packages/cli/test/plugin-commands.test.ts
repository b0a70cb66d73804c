import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliBin, makeProject, markerExists, tempRoot } from "./project-fixture.js";

describe("commands that plugins add", () => {
  const { root, markers } = tempRoot("commands");
  let project: string;

  beforeAll(() => {
    const dir = join(root, "sources", "vmforge-plugin-tools");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "vmforge-plugin-tools", version: "0.1.0", type: "module", exports: { "./plugin": "./plugin.js", "./package.json": "./package.json" } }));
    writeFileSync(
      join(dir, "plugin.js"),
      `export const plugin = { name: "vmforge-plugin-tools", version: "0.1.0", description: "tools", stages: [], commands: [
  { name: "tools", summary: "the group", usage: "vmforge tools", load: () => import("./group.js") },
  { name: "tools greet", summary: "greets", usage: "vmforge tools greet NAME", load: () => import("./greet.js") },
] };`,
    );
    writeFileSync(join(dir, "group.js"), `export async function run() { return 0; }`);
    writeFileSync(
      join(dir, "greet.js"),
      `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(join(markers, "greet-loaded"))}, "");
export async function run(args, ctx) { ctx.stdout.write("hello " + args[0] + " from " + ctx.kernel.host.root + "\\n"); return args[0] === "fail" ? 3 : 0; }`,
    );
    project = makeProject(root, { "vmforge-plugin-tools": `file:${dir}` });
  }, 120_000);

  it("runs the longest matching plugin command with its arguments and exit code", async () => {
    const ok = await execa("node", [cliBin, "tools", "greet", "ada"], { cwd: project });
    expect(ok.stdout).toBe("hello ada from /");
    const failing = await execa("node", [cliBin, "tools", "greet", "fail", "--host-root", root], { cwd: project, reject: false });
    expect(failing.exitCode).toBe(3);
    expect(failing.stdout).toBe(`hello fail from ${root}`);
  });

  it("does not load a command's code for --help or for other commands", async () => {
    rmSync(join(markers, "greet-loaded"), { force: true });
    const help = await execa("node", [cliBin, "tools", "greet", "--help"], { cwd: project });
    expect(help.stdout).toContain("Usage: vmforge tools greet NAME");
    await execa("node", [cliBin, "tools"], { cwd: project });
    expect(markerExists(markers, "greet-loaded")).toBe(false);
  });

  it("lists plugin commands when a command is unknown", async () => {
    const result = await execa("node", [cliBin, "toolz"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("tools greet");
  });
});
