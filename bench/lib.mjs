// Shared helpers for `pnpm bench`. These machines are noisy, so every figure is measured in
// alternation with its baseline (A, baseline, A, baseline, ...): a burst of noise hits both alike,
// and the ratio is what counts; absolute milliseconds are for context.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

function positiveInteger(text, fallback) {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_RUNS must be a positive integer, not ${JSON.stringify(text)}`);
  return value;
}

/** Measured runs of every figure (after one warm-up run that is not counted). */
export const RUNS = positiveInteger(process.env.BENCH_RUNS, 10);

export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Temp folders removed when the bench ends, however it ends. */
const temporary = [];
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `vmforge-bench-${prefix}-`));
  temporary.push(dir);
  return dir;
}
export function removeTempDirs() {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Fresh, empty VMFORGE_* homes, so no user config, plugin or cached image plays a part. */
export function freshHomes() {
  const dir = tempDir("home");
  return { VMFORGE_DATA_HOME: join(dir, "data"), VMFORGE_CONFIG_HOME: join(dir, "config"), VMFORGE_CACHE_HOME: join(dir, "cache") };
}

/**
 * One measured thing: a program run cold, `{ label, file, args, env, cwd, okCodes }` (`args` and
 * `env` may be functions of the run's number, for a fresh folder per run), or a function run in
 * this process, `{ label, fn }`. Returns its wall time in ms; throws when it fails.
 */
async function measureOnce(item, index) {
  if (item.fn) {
    // With --expose-gc: the garbage of the previous item is collected before, not during, this one.
    globalThis.gc?.();
    const started = performance.now();
    await item.fn(index);
    return performance.now() - started;
  }
  const args = typeof item.args === "function" ? item.args(index) : (item.args ?? []);
  const env = typeof item.env === "function" ? item.env(index) : item.env;
  const started = performance.now();
  const result = spawnSync(item.file, args, { env: { ...process.env, ...env }, cwd: item.cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  const ms = performance.now() - started;
  if (result.error) throw new Error(`${item.label} could not run: ${result.error.message}`);
  const okCodes = item.okCodes ?? [0];
  if (!okCodes.includes(result.status)) {
    const said = `${result.stderr}`.trim().split("\n").slice(-3).join(" / ") || `${result.stdout}`.trim().split("\n").slice(-2).join(" / ");
    throw new Error(`${item.label} exited ${result.status ?? result.signal} (expected ${okCodes.join(" or ")}): ${said.slice(0, 400)}`);
  }
  return ms;
}

/**
 * Measures the items in turn, round after round: `warmup` rounds (not counted; they fill the
 * disk cache, let the JIT settle, and prove each item works), then `runs` rounds. An item that
 * fails its warm-up is left out with the reason; one that fails later fails the comparison.
 * Returns Map label -> { samples } | { failed }.
 */
export async function alternate(items, { runs = RUNS, warmup = 1 } = {}) {
  const results = new Map();
  const live = [];
  for (const item of items) {
    try {
      await measureOnce(item, 0);
      live.push(item);
      results.set(item.label, { samples: [] });
    } catch (error) {
      results.set(item.label, { failed: error.message });
    }
  }
  for (let round = 1; round < warmup; round++) for (const item of live) await measureOnce(item, -round);
  for (let round = 1; round <= runs; round++) {
    for (const item of live) results.get(item.label).samples.push(await measureOnce(item, round));
  }
  return results;
}

/**
 * Peak RSS (MB) of each command, alternately, through `/usr/bin/time -f %M` (kilobytes, GNU
 * time). Returns Map label -> { samples } | { failed }.
 */
export async function alternatePeakRss(commands, { runs = RUNS, time = "/usr/bin/time" } = {}) {
  const dir = tempDir("rss");
  let counter = 0;
  const reports = new Map();
  const wrapped = commands.map((command) => ({
    ...command,
    args: (index) => {
      const out = join(dir, `${counter++}.txt`);
      reports.set(`${command.label}#${index}`, out);
      const args = typeof command.args === "function" ? command.args(index) : (command.args ?? []);
      return ["-f", "%M", "-o", out, command.file, ...args];
    },
    file: time,
  }));
  const timed = await alternate(wrapped, { runs });
  const results = new Map();
  for (const command of commands) {
    const result = timed.get(command.label);
    if (result.failed) {
      results.set(command.label, result);
      continue;
    }
    const samples = [];
    for (let index = 1; index <= runs; index++) {
      const text = readFileSync(reports.get(`${command.label}#${index}`), "utf8").trim().split("\n").pop();
      samples.push(Number(text) / 1024);
    }
    results.set(command.label, { samples });
  }
  return results;
}

/** `text` in a table cell: pipes escaped. */
export function cell(text) {
  return String(text).replaceAll("|", "\\|");
}

export function formatNumber(value) {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatRatio(value) {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/**
 * A line of the table. `result` is what `alternate` gave for it (or `{ skipped: why }`);
 * `against` lists its baselines `{ name, result }`; `target` `{ limit, text, of }` is met when
 * the ratio against baseline `of` (default 0) is at most `limit`.
 */
export function row(what, result, { unit = "ms", against = [], target } = {}) {
  const line = { what, unit };
  if (result.failed || result.skipped) {
    line.problem = result.failed ? `failed: ${result.failed}` : `skipped: ${result.skipped}`;
    line.failed = Boolean(result.failed);
  } else {
    line.stats = stats(result.samples);
  }
  line.ratios = against.map(({ name, result: base }) => {
    if (!line.stats) return { name };
    if (base.failed || base.skipped) return { name, missing: base.failed ? "failed" : "skipped" };
    return { name, value: line.stats.median / stats(base.samples).median };
  });
  if (target) {
    const ratio = line.ratios[target.of ?? 0];
    line.target = target.text;
    line.met = ratio?.value === undefined ? "unknown" : ratio.value <= target.limit ? (target.metWord ?? "met") : (target.missWord ?? "NOT met");
  }
  return line;
}

/** The built entry of a workspace package (`exports["."]`, import or default condition), as a file URL. */
export function packageEntry(root, folder) {
  const dir = join(root, "packages", folder);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const pick = (target) => (typeof target === "string" ? target : target && (pick(target.import) ?? pick(target.default)));
  const entry = pick(manifest.exports?.["."] ?? manifest.exports) ?? manifest.main ?? "index.js";
  return pathToFileURL(join(dir, entry)).href;
}

/** The `vmforge` bin of the built @vmforge/cli, from its package.json. */
export function cliBin(root) {
  const dir = join(root, "packages", "cli");
  const { bin } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return join(dir, typeof bin === "string" ? bin : (bin?.vmforge ?? "dist/bin.js"));
}
