#!/usr/bin/env node
// Lints packed tarballs as the registry would get them, offline: publint (--strict: warnings
// fail too) and @arethetypeswrong/cli. `node scripts/check-packs.mjs [--packs DIR]` reads
// DIR/packs.json from scripts/pack-all.mjs (default out/packs); exit 1 when any package fails;
// --json prints every result as JSON.
//
// attw runs with `--profile esm-only`: our packages are ESM only ("type": "module", exports with
// no `require` condition, engines node >= 20.19), so the two resolutions that profile leaves
// out — node10 (no exports support) and node16 from CommonJS (`require` of ESM) — cannot work
// by design. Every other resolution (node16 from ESM, bundler) must resolve with types.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(repoRoot, "node_modules", ".bin", name);

function run(command, args) {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", (error) => done({ status: -1, stdout, stderr: String(error) }));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

/** publint and attw on one tarball: `{ ok, publint, attwProblems, attwNote }`. */
export async function checkTarball(tarball) {
  const [publint, attw] = await Promise.all([run(bin("publint"), ["--strict", tarball]), run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "json"])]);
  let attwProblems = [];
  let attwNote = "";
  try {
    const report = JSON.parse(attw.stdout);
    // A package with no module to import (the vmforge bundle: a bin and package.json) has no types to check.
    if (report.analysis?.types === false) attwNote = "no types: the package exports no module";
    attwProblems = (report.analysis?.problems ?? []).filter((problem) => !["node10", "node16-cjs"].includes(problem.resolutionKind));
  } catch {
    attwProblems = [{ kind: "attw-did-not-run", detail: `${attw.stdout}${attw.stderr}`.trim() }];
  }
  const ok = publint.status === 0 && attw.status === 0 && attwProblems.length === 0;
  return { ok, publint: `${publint.stdout}${publint.stderr}`.trim(), publintStatus: publint.status, attwProblems, attwNote };
}

/** Every tarball of DIR/packs.json, two at a time (each check is two processes). */
export async function checkPacks(packsDir) {
  const packs = JSON.parse(readFileSync(join(packsDir, "packs.json"), "utf8"));
  const results = new Array(packs.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < packs.length; index = next++) results[index] = { ...packs[index], ...(await checkTarball(packs[index].tarball)) };
  };
  await Promise.all([worker(), worker()]);
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { packs: { type: "string", default: join(repoRoot, "out", "packs") }, json: { type: "boolean", default: false } } });
  const results = await checkPacks(resolve(values.packs));
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else for (const result of results) {
    console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name}@${result.version}${result.attwNote ? ` (attw: ${result.attwNote})` : ""}`);
    if (!result.ok) {
      if (result.publintStatus !== 0) console.log(result.publint.replace(/^/gm, "     "));
      for (const problem of result.attwProblems) console.log(`     attw: ${JSON.stringify(problem)}`);
    }
  }
}
