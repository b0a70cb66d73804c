#!/usr/bin/env node
// Packs every published (non-private) workspace package into one folder, as the registry would
// get them: `node scripts/pack-all.mjs [--out DIR]` (default out/packs). Writes DIR/packs.json,
// [{ name, version, folder, tarball }], for the tests and the release. Build first (pnpm build).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The workspace packages that are published: every packages/* folder whose package.json is not private. */
export function publishedPackages() {
  const packagesDir = join(repoRoot, "packages");
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ folder: join(packagesDir, entry.name), manifest: JSON.parse(readFileSync(join(packagesDir, entry.name, "package.json"), "utf8")) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ folder, manifest }) => ({ name: manifest.name, version: manifest.version, folder }));
}

/** Empties `outDir`, packs each published package into it with pnpm (workspace: ranges and publishConfig applied). */
export function packAll(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const packs = publishedPackages().map((pkg) => {
    const output = execFileSync("pnpm", ["pack", "--pack-destination", outDir, "--json"], { cwd: pkg.folder, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ...pkg, tarball: JSON.parse(output).filename };
  });
  writeFileSync(join(outDir, "packs.json"), `${JSON.stringify(packs, null, 2)}\n`);
  return packs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string", default: join(repoRoot, "out", "packs") } } });
  const packs = packAll(resolve(values.out));
  for (const pack of packs) console.log(`${pack.name}@${pack.version}  ${pack.tarball}`);
}
