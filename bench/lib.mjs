// Shared helpers for `pnpm bench`. Figures are ratios against a baseline measured in the same
// script, because these machines are noisy; absolute milliseconds are printed for context only.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

export const RUNS = Number(process.env.BENCH_RUNS ?? 15);

export function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time (ms) of a program started cold `runs` times. Fails loudly if it fails. */
export function timeCommand(file, args, { runs = RUNS, env, cwd, okCodes = [0] } = {}) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    const result = spawnSync(file, args, { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const elapsed = performance.now() - started;
    if (result.error) throw result.error;
    if (!okCodes.includes(result.status)) throw new Error(`${file} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
    if (i > 0) samples.push(elapsed); // the first run warms the disk cache
  }
  return median(samples);
}

/** Median time (ms) of an async function in this process. */
export async function timeFunction(fn, { runs = RUNS } = {}) {
  const samples = [];
  await fn();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

export function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** One line: what, its median, the baseline, and the ratio. */
export function report(label, ms, baselineLabel, baselineMs) {
  const ratio = ms / baselineMs;
  console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms   ${ratio.toFixed(2).padStart(6)}x ${baselineLabel} (${baselineMs.toFixed(1)} ms)`);
  return ratio;
}
