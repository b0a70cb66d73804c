import { describe, expect, inject, it } from "vitest";
import { execa } from "execa";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@vmforge/test-support";

interface Pack {
  name: string;
  version: string;
  folder: string;
  tarball: string;
}

interface CheckResult extends Pack {
  ok: boolean;
  publint: string;
  publintStatus: number;
  attwProblems: unknown[];
  attwNote: string;
}

const packsDir = inject("packsDir");
const packs = (): Pack[] => JSON.parse(readFileSync(join(packsDir, "packs.json"), "utf8")) as Pack[];
const manifestOf = (folder: string) => JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { name: string; private?: boolean; files?: string[] };

/** What `pnpm pack:all` and `pnpm release` publish, checked offline from the tarballs. */
describe("the published tarballs", () => {
  it("are every workspace package that is not private, and nothing else", () => {
    const workspace = readdirSync(join(repoRoot, "packages")).map((folder) => manifestOf(join(repoRoot, "packages", folder)));
    const published = workspace.filter((pkg) => !pkg.private).map((pkg) => pkg.name);
    expect(packs().map((pack) => pack.name).sort()).toEqual(published.sort());
    expect(published).toContain("vmforge");
    expect(packs().map((pack) => pack.name)).not.toContain("@vmforge/test-support");
    expect(readdirSync(packsDir).filter((file) => file.endsWith(".tgz")).sort()).toEqual(packs().map((pack) => pack.tarball.slice(packsDir.length + 1)).sort());
  });

  it("hold every entry their `files` lists (a CHANGELOG.md too), with the package's name as its title", async () => {
    for (const pack of packs()) {
      const files = (await execa("tar", ["tzf", pack.tarball])).stdout.split("\n");
      for (const entry of manifestOf(pack.folder).files ?? []) {
        expect(files.some((file) => file === `package/${entry}` || file.startsWith(`package/${entry}/`)), `${pack.name}: ${entry}`).toBe(true);
      }
      const changelog = (await execa("tar", ["xzOf", pack.tarball, "package/CHANGELOG.md"])).stdout;
      expect(changelog.split("\n")[0]).toBe(`# ${pack.name}`);
    }
  });

  it("ship built JavaScript and declarations only: no TypeScript source, no source condition, no workspace: range", async () => {
    for (const pack of packs()) {
      const files = (await execa("tar", ["tzf", pack.tarball])).stdout.split("\n");
      expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts")), pack.name).toEqual([]);
      const manifest = (await execa("tar", ["xzOf", pack.tarball, "package/package.json"])).stdout;
      expect(manifest, pack.name).not.toContain('"source"');
      expect(manifest, pack.name).not.toContain("workspace:");
    }
  });

  it("pass publint --strict and @arethetypeswrong/cli (esm-only profile)", async () => {
    const result = await execa(process.execPath, [join(repoRoot, "scripts", "check-packs.mjs"), "--packs", packsDir, "--json"], { reject: false });
    const results = JSON.parse(result.stdout) as CheckResult[];
    expect(results.map((entry) => entry.name).sort()).toEqual(packs().map((pack) => pack.name).sort());
    for (const entry of results) expect({ name: entry.name, publint: entry.publintStatus === 0 ? "ok" : entry.publint, attw: entry.attwProblems }).toEqual({ name: entry.name, publint: "ok", attw: [] });
    expect(result.exitCode).toBe(0);
    // The bundle exports no module (its bin and package.json only): attw has no types to check there, and says so.
    expect(results.find((entry) => entry.name === "vmforge")?.attwNote).toBe("no types: the package exports no module");
    expect(results.filter((entry) => entry.attwNote).map((entry) => entry.name)).toEqual(["vmforge"]);
  });
});
