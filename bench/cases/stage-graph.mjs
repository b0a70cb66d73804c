// The kernel with 10,000 no-op stages against 1,000, in process through its public API (in a
// child `node`, to choose its heap): ordering them (Kernel#plan) and a dry run of them
// (Kernel#run). Linear is about 10x.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RUNS, alternate, freshHomes, packageEntry, removeTempDirs, row } from "../lib.mjs";

export const name = "stage-graph";
export const tags = ["kernel"];
export const peers = [];

const PER_PLUGIN = 100;
const LABELS = ["order-1000", "order-10000", "run-1000", "run-10000"];

/**
 * `count` stages in plugins of 100: stage i writes key i, reads keys i-1 and i/2, adds to one
 * collection key, and every tenth stage depends on the stage three before it.
 */
function plugins(kernel, count) {
  const noop = { run() {} };
  const id = (index) => `bench_${Math.floor(index / PER_PLUGIN)}:stage_${index}`;
  const result = [];
  for (let first = 0; first < count; first += PER_PLUGIN) {
    const stages = [];
    for (let index = first; index < Math.min(count, first + PER_PLUGIN); index++) {
      stages.push({
        id: id(index),
        description: "does nothing",
        writes: [`key_${index}`],
        adds: ["every_stage"],
        reads: index === 0 ? [] : [...new Set([`key_${index - 1}`, `key_${Math.floor(index / 2)}`])],
        ...(index % 10 === 0 && index >= 3 ? { dependsOn: [id(index - 3)] } : {}),
        load: async () => noop,
      });
    }
    result.push(kernel.definePlugin({ name: `vmforge-plugin-bench-${first / PER_PLUGIN}`, version: "1.0.0", description: "benchmark stages", stages }));
  }
  return result;
}

/** Runs in a child `node` (see `run`): measures and prints the samples as JSON. */
export async function measure(root, runs) {
  const kernel = await import(packageEntry(root, "kernel"));
  const env = { ...freshHomes(), HOME: freshHomes().VMFORGE_DATA_HOME };
  const sizes = [1000, 10000];
  const sets = new Map(sizes.map((count) => [count, plugins(kernel, count)]));
  const planners = new Map();
  for (const count of sizes) {
    const planner = new kernel.Kernel({ env });
    for (const plugin of sets.get(count)) planner.stages.registerPlugin(plugin);
    planners.set(count, planner);
  }
  const order = (count) => () => {
    const graph = planners.get(count).plan();
    if (graph.stages.length !== count) throw new Error(`ordered ${graph.stages.length} stages, not ${count}`);
  };
  const dryRun = (count) => async () => {
    const runner = new kernel.Kernel({ dryRun: true, env });
    for (const plugin of sets.get(count)) await runner.use(plugin);
    const report = await runner.run();
    if (report.stages.length !== count || report.stages.some((stage) => stage.status !== "done")) throw new Error(`the dry run did not run all ${count} stages`);
  };
  // A sample of 1,000 stages is ten runs of it, timed together: a sample lasts as long as one of
  // 10,000 does, so a machine shared with other work preempts both alike. Its figure is the tenth.
  const tenTimes = (fn) => async () => {
    for (let time = 0; time < 10; time++) await fn();
  };
  // Warm-up rounds: the JIT has optimized the kernel's code before the first sample counts.
  const results = await alternate(
    [
      { label: "order-1000", fn: tenTimes(order(1000)) },
      { label: "order-10000", fn: order(10000) },
      { label: "run-1000", fn: tenTimes(dryRun(1000)) },
      { label: "run-10000", fn: dryRun(10000) },
    ],
    { runs, warmup: 3 },
  );
  for (const label of ["order-1000", "run-1000"]) {
    const result = results.get(label);
    if (result.samples) result.samples = result.samples.map((ms) => ms / 10);
  }
  removeTempDirs();
  return Object.fromEntries(results);
}

/** Young generation big enough for a whole 10,000-stage graph, so the ratio shows the algorithm. */
const BIG_YOUNG = "--max-semi-space-size=64";

export async function run({ root, node }) {
  const measured = {};
  for (const flags of [[BIG_YOUNG], []]) {
    const child = spawnSync(node, [...flags, fileURLToPath(import.meta.url), root, String(RUNS)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 16 * 1024 * 1024 });
    const failed = child.status === 0 ? undefined : `the measuring node exited ${child.status}: ${(child.stderr.split("\n").find((line) => /Error\b/.test(line)) ?? child.stderr.trim().split("\n").at(-1) ?? "").slice(0, 300)}`;
    measured[flags.join(" ") || "default"] = failed ? Object.fromEntries(LABELS.map((label) => [label, { failed }])) : JSON.parse(child.stdout);
  }
  const linear = { limit: 15, text: "≈ 10x 1,000 (linear: ≤ 15x)", metWord: "met (linear)", missWord: "NOT met (not linear)" };
  const big = measured[BIG_YOUNG];
  const plain = measured.default;
  const vs = (results, label) => [{ name: "1,000", result: results[label] }];
  return {
    rows: [
      row(`order 1,000 no-op stages (\`Kernel#plan\`, in process, \`${BIG_YOUNG}\`)`, big["order-1000"]),
      row("order 10,000 no-op stages", big["order-10000"], { against: vs(big, "order-1000"), target: linear }),
      row(`dry run of 1,000 no-op stages (\`Kernel#run\`, in process, \`${BIG_YOUNG}\`)`, big["run-1000"]),
      row("dry run of 10,000 no-op stages", big["run-10000"], { against: vs(big, "run-1000"), target: linear }),
      row("order 1,000 no-op stages (default V8 heap)", plain["order-1000"]),
      row("order 10,000 no-op stages (default V8 heap)", plain["order-10000"], { against: vs(plain, "order-1000") }),
      row("dry run of 1,000 no-op stages (default V8 heap)", plain["run-1000"]),
      row("dry run of 10,000 no-op stages (default V8 heap)", plain["run-10000"], { against: vs(plain, "run-1000") }),
    ],
    notes: [
      `The stage rows run in a child \`node\` through the kernel's public API (${PER_PLUGIN} stages per plugin; each stage writes a key, reads two keys of earlier stages and adds to one collection; every tenth depends on the stage three before it), after 3 warm-up rounds. A sample of 1,000 stages times ten runs of them and counts a tenth, so that it lasts as long as one of 10,000 and the other work of a shared machine interrupts both alike.`,
      `With \`${BIG_YOUNG}\` the young generation holds a whole 10,000-stage graph, so the ratio is the kernel's work; with V8's default heap the larger graph outlives scavenges and is promoted to the old generation, so garbage collection (and cache misses) cost more per stage at 10,000 than at 1,000 though every step is linear.`,
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, runs] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await measure(root, Number(runs))));
}
