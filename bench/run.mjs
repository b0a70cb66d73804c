// `pnpm bench [-- WORD...]`: runs the cases of bench/cases (all, or those whose name or tag is
// one of the WORDs: startup, check, plan, seed-iso, discovery, stage-graph; cli, kernel), prints
// one table, and on a full run writes bench/RESULTS.md. BENCH_RUNS (default 10) sets the runs.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePeers } from "./peers.mjs";
import { RUNS, cliBin, removeTempDirs } from "./lib.mjs";
import { machine, results, table } from "./report.mjs";
import * as startup from "./cases/startup.mjs";
import * as check from "./cases/check.mjs";
import * as plan from "./cases/plan.mjs";
import * as seedIso from "./cases/seed-iso.mjs";
import * as discovery from "./cases/discovery.mjs";
import * as stageGraph from "./cases/stage-graph.mjs";

const CASES = [startup, check, plan, seedIso, discovery, stageGraph];
const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const cli = cliBin(root);

const words = process.argv.slice(2).filter((word) => word !== "--");
const known = new Set(CASES.flatMap((one) => [one.name, ...one.tags]));
const unknown = words.filter((word) => !known.has(word));
if (unknown.length > 0) {
  console.error(`bench: no case or tag ${unknown.map((word) => JSON.stringify(word)).join(", ")}; there are ${[...known].join(", ")}.`);
  process.exit(2);
}
const chosen = words.length ? CASES.filter((one) => words.includes(one.name) || one.tags.some((tag) => words.includes(tag))) : CASES;
if (!existsSync(cli)) {
  console.error(`bench: ${cli} is missing: run \`pnpm build\` first (\`pnpm bench\` does).`);
  process.exit(2);
}

const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
const info = machine(root);
const viaPnpm = process.env.npm_lifecycle_event === "bench";
const command = `${process.env.BENCH_RUNS ? `BENCH_RUNS=${process.env.BENCH_RUNS} ` : ""}${viaPnpm ? "pnpm bench" : "node bench/run.mjs"}${words.length ? `${viaPnpm ? " --" : ""} ${words.join(" ")}` : ""}`;
console.log(`vmforge bench: ${chosen.map((one) => one.name).join(", ")}; ${RUNS} runs each (BENCH_RUNS)`);
console.log(`${info.cpu}, ${info.memory}; ${info.system}; node ${info.node}; load ${info.load}\n`);

const peerStatus = ensurePeers([...new Set(chosen.flatMap((one) => one.peers))]);
for (const [name, status] of Object.entries(peerStatus)) console.log(`${name}: ${status.ok ? status.version : `skipped — ${status.why}`}`);

const rows = [];
const notes = [];
let failed = false;
try {
  for (const one of chosen) {
    const started = Date.now();
    process.stdout.write(`\n${one.name}... `);
    try {
      const outcome = await one.run({ root, cli, node: process.execPath, peerStatus });
      rows.push(...outcome.rows);
      notes.push(...(outcome.notes ?? []));
    } catch (error) {
      rows.push({ what: `${one.name} (the whole case)`, unit: "ms", problem: `failed: ${error?.message ?? error}`, failed: true, ratios: [] });
    }
    process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  removeTempDirs();
}
failed = rows.some((line) => line.failed);
for (const [name, status] of Object.entries(peerStatus)) if (!status.ok) notes.push(`${name}: comparison skipped — ${status.why}.`);

console.log("\n");
console.log(table(rows.filter((line) => line.unit === "ms"), "ms"));
const memory = rows.filter((line) => line.unit === "MB");
if (memory.length) console.log(`\n${table(memory, "MB")}`);
if (notes.length) console.log(`\n${notes.map((note) => `- ${note}`).join("\n")}`);

if (chosen.length === CASES.length) {
  writeFileSync(join(here, "RESULTS.md"), results({ date, command, info, runs: RUNS, peerStatus, rows, notes }));
  console.log("\nwritten: bench/RESULTS.md");
} else {
  console.log("\n(only some cases ran: bench/RESULTS.md is left as it is)");
}
process.exitCode = failed ? 1 : 0;
