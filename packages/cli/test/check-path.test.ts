import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { cliBin } from "./project-fixture.js";

const folder = mkdtempSync(join(tmpdir(), "vmforge-check-path-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The module URLs a CLI run loads, recorded by a `node --import` hook. */
async function modulesOf(args: string[]): Promise<string[]> {
  const log = join(folder, `${args.join("_").replace(/\W+/g, "_")}.log`);
  const result = await execa("node", ["--import", join(import.meta.dirname, "support", "record-modules.mjs"), cliBin, ...args], { cwd: repoRoot, env: { VMFORGE_MODULE_LOG: log }, reject: false });
  expect([0, 3]).toContain(result.exitCode);
  return readFileSync(log, "utf8").split("\n").filter((url) => url.startsWith("file:"));
}

describe("what `vmforge check` loads", () => {
  it("no schema library, TOML, YAML or hardware library, and no VM plugin's stage or preflight code", async () => {
    const modules = await modulesOf(["check", "--json", "--host-root", join(examplesDir, "hosts", "z370-gt1030")]);
    expect(modules.length).toBeGreaterThan(10);
    expect(modules.filter((url) => /\/(zod|smol-toml|yaml|systeminformation|fast-xml-parser)\//.test(url))).toEqual([]);
    // The other plugins' manifests are read (to list stages), with what a manifest may import (the
    // guest kit's light entry, names); nothing else of theirs.
    const manifestSide = /\/dist\/(plugin|table-names|known-tables|guest|guest-kit\/request-path|linux-guest)\.js$/;
    const foreign = modules.filter((url) => /\/plugin-(qemu-setup|linux-setup|libvirt-xml|vfio-configurator)\/dist\//.test(url) && !manifestSide.test(url));
    expect(foreign).toEqual([]);
  });
});
