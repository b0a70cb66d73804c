// `pnpm bench`: runs every bench/cases/*.mjs in name order; each exports `run(context)`.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { timeCommand, RUNS } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const only = process.argv.slice(2);
const nodeBaseline = timeCommand(process.execPath, ["-e", "0"]);
console.log(`baseline: node -e 0 = ${nodeBaseline.toFixed(1)} ms (median of ${RUNS} cold runs)\n`);
for (const file of readdirSync(join(here, "cases")).filter((name) => name.endsWith(".mjs")).sort()) {
  if (only.length && !only.some((word) => file.includes(word))) continue;
  console.log(`## ${file.replace(/\.mjs$/, "")}`);
  const { run } = await import(pathToFileURL(join(here, "cases", file)).href);
  await run({ root, nodeBaseline, cli: join(root, "packages/cli/dist/bin.js") });
  console.log("");
}
