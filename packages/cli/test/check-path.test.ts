import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { cliBin } from "./project-fixture.js";

const folder = mkdtempSync(join(tmpdir(), "vmforge-check-path-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let runs = 0;

/** The module URLs a CLI run loads, recorded by a `node --import` hook. */
async function modulesOf(args: string[]): Promise<string[]> {
  const log = join(folder, `run-${++runs}.log`);
  const result = await execa("node", ["--import", join(import.meta.dirname, "support", "record-modules.mjs"), cliBin, ...args], {
    cwd: repoRoot,
    // Offline: the example's disk image is never probed over the network from a test.
    env: { VMFORGE_MODULE_LOG: log, VMFORGE_OFFLINE: "1", VMFORGE_DATA_HOME: join(folder, "data"), VMFORGE_CONFIG_HOME: join(folder, "config"), VMFORGE_CACHE_HOME: join(folder, "cache") },
    reject: false,
  });
  expect([0, 3]).toContain(result.exitCode);
  return readFileSync(log, "utf8").split("\n").filter((url) => url.startsWith("file:"));
}

/** Bytes of the files behind `urls`. */
function bytesOf(urls: string[]): number {
  return urls.reduce((sum, url) => sum + statSync(fileURLToPath(url)).size, 0);
}

const exampleHost = join(examplesDir, "hosts", "z370-gt1030");
const FOREIGN = /\/plugin-(qemu-setup|linux-setup|libvirt-xml|vfio-configurator)\/dist\//;

describe("what `vmforge check` loads", () => {
  it("no schema library, TOML, YAML or hardware library, and no VM plugin's stage or preflight code", async () => {
    const modules = await modulesOf(["check", "--json", "--host-root", exampleHost]);
    expect(modules.length).toBeGreaterThan(10);
    // zod is bundled into the kernel's `zod` entry; check must not load it, nor the packages.
    expect(modules.filter((url) => /\/(zod|smol-toml|yaml|systeminformation|fast-xml-parser)\/|\/kernel\/dist\/zod\.js$/.test(url))).toEqual([]);
    // The other plugins' manifests are read (to list stages): their `plugin` entry, the qemu guest
    // kit's light `guest` entry and the chunks those share. A stage or preflight module is a chunk
    // named after its file (`validate-vm-request-<hash>.js`); none may be loaded.
    const foreign = modules.filter((url) => FOREIGN.test(url));
    expect(foreign.filter((url) => !/\/dist\/(plugin|guest|chunk-[A-Z0-9]+)\.js$/.test(url))).toEqual([]);
    // What the manifests share is names and tables, a few KiB; a stage's code pulled in by a
    // shared chunk would be tens.
    expect(bytesOf(foreign)).toBeLessThan(24 * 1024);
  });
});

/**
 * Each package is one bundled file per entry plus chunks for what is loaded lazily (scripts/build-package.mjs),
 * so a run loads a few dozen files, not hundreds. These budgets are counts, not timings: they fail
 * when a change brings back per-file loading (a package built without bundling, a dependency no
 * longer inlined) or puts heavy code on a path that does not need it.
 */
describe("how many modules a run loads", () => {
  const budgets: Array<{ what: string; args: () => string[]; files: number; kib: number }> = [
    { what: "vmforge --version", args: () => ["--version"], files: 6, kib: 220 },
    { what: "vmforge plugins", args: () => ["plugins", "--json"], files: 28, kib: 250 },
    { what: "vmforge check", args: () => ["check", "--json", "--host-root", exampleHost], files: 45, kib: 320 },
    { what: "vmforge plan of the example", args: () => ["plan", join(examplesDir, "web-1.toml"), "--host-root", exampleHost, "--out", join(folder, "plan-out"), "--json"], files: 115, kib: 1800 },
  ];
  for (const budget of budgets) {
    it(`${budget.what}: at most ${budget.files} of our files (${budget.kib} KiB), none from node_modules`, async () => {
      const modules = await modulesOf(budget.args());
      const ours = modules.filter((url) => url.startsWith(pathToFileURL(join(repoRoot, "packages")).href));
      // Every dependency a run needs is bundled into the package that uses it.
      expect(modules.filter((url) => !ours.includes(url))).toEqual([]);
      expect(ours.length).toBeLessThanOrEqual(budget.files);
      expect(bytesOf(ours)).toBeLessThanOrEqual(budget.kib * 1024);
    });
  }
});
