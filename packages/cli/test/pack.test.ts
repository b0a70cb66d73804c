import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@vmforge/test-support";
import { tempRoot } from "./project-fixture.js";

/**
 * What a user gets from the registry: packed tarballs installed with npm into a project with
 * no TypeScript, no workspace and no `source` condition, then the CLI run from there.
 */
describe("packed tarballs install and run with npm alone", () => {
  const { root } = tempRoot("pack");
  const packs = join(root, "packs");
  const project = join(root, "project");
  const packages = ["kernel", "cli", "plugin-env-check"];
  let tarballs: string[] = [];

  beforeAll(async () => {
    mkdirSync(packs);
    for (const folder of packages) await execa("pnpm", ["pack", "--pack-destination", packs], { cwd: join(repoRoot, "packages", folder) });
    tarballs = readdirSync(packs).map((name) => join(packs, name));
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-host", private: true, type: "module" }));
    await execa("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], { cwd: project });
  }, 240_000);

  it("ships built JavaScript and declarations only, with no source condition", async () => {
    for (const tarball of tarballs) {
      const { stdout } = await execa("tar", ["tzf", tarball]);
      const files = stdout.split("\n");
      expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
      expect(files).toContain("package/package.json");
      const { stdout: manifest } = await execa("tar", ["xzOf", tarball, "package/package.json"]);
      expect(manifest).not.toContain('"source"');
      expect(manifest).not.toContain("workspace:");
    }
    expect(existsSync(join(project, "node_modules", "typescript"))).toBe(false);
  });

  it("finds the installed plugin and runs a check with it", async () => {
    const bin = join(project, "node_modules", ".bin", "vmforge");
    const plugins = await execa(bin, ["plugins", "--json"], { cwd: project });
    expect((JSON.parse(plugins.stdout) as { plugins: Array<{ package: string }> }).plugins.map((plugin) => plugin.package)).toEqual(["@vmforge/plugin-env-check"]);
    const check = await execa(bin, ["check", "--json"], { cwd: project, reject: false });
    expect([0, 3]).toContain(check.exitCode);
    const report = JSON.parse(check.stdout) as { checks: Array<{ id: string; status: string }> };
    expect(report.checks.length).toBeGreaterThan(0);
  });
});
