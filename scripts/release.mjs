#!/usr/bin/env node
// `pnpm release [--dry-run]`: builds every package (turbo), packs each published one into
// out/release (scripts/pack-all.mjs), lints the tarballs with publint and attw
// (scripts/check-packs.mjs), and stops there with --dry-run. Without it, `changeset publish`
// publishes the versions `pnpm version-packages` made, and tags them.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkPacks } from "./check-packs.mjs";
import { packAll } from "./pack-all.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { "dry-run": { type: "boolean", default: false }, out: { type: "string", default: join(repoRoot, "out", "release") } } });
const dryRun = values["dry-run"];
const step = (text) => console.log(`\n== ${text}`);

step("build");
execFileSync("pnpm", ["build"], { cwd: repoRoot, stdio: "inherit" });

step(`pack the published packages into ${values.out}`);
const packs = packAll(values.out);
for (const pack of packs) console.log(`${pack.name}@${pack.version}  ${pack.tarball}`);

step("publint and @arethetypeswrong/cli on every tarball");
const results = await checkPacks(values.out);
for (const result of results) console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name}@${result.version}${result.attwNote ? ` (attw: ${result.attwNote})` : ""}`);
const failed = results.filter((result) => !result.ok);
if (failed.length > 0) {
  for (const result of failed) {
    if (result.publintStatus !== 0) console.error(`${result.name}: publint\n${result.publint}`);
    for (const problem of result.attwProblems) console.error(`${result.name}: attw ${JSON.stringify(problem)}`);
  }
  console.error(`\n${failed.length} package(s) failed the checks; nothing was published.`);
  process.exit(1);
}

if (dryRun) {
  step("dry run: nothing published");
  console.log(`${packs.length} packages built, checked and packed in ${values.out}. Without --dry-run: changeset publish.`);
} else {
  step("changeset publish");
  execFileSync("pnpm", ["exec", "changeset", "publish"], { cwd: repoRoot, stdio: "inherit" });
}
