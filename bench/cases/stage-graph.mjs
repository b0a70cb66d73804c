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
const LABELS = ["order-1000", "order-10000", "run-1000", "run-10000", "map-1000", "map-10000"];

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
  // A reference without the kernel: a Map of one Set per stage id, two links each, walked once.
  // Its ratio is what this machine's caches make of a working set ten times larger.
  const ids = new Map(sizes.map((count) => [count, sets.get(count).flatMap((plugin) => plugin.stages.map((stage) => stage.id))]));
  const mapOfSets = (count) => () => {
    const list = ids.get(count);
    const links = new Map(list.map((id) => [id, new Set()]));
    for (let index = 1; index < list.length; index++) links.get(list[index]).add(list[index - 1]).add(list[index >> 1]);
    let found = 0;
    for (const id of list) for (const from of links.get(id)) if (links.has(from)) found++;
    if (found === 0 && count > 1) throw new Error("the reference walk found no link");
  };
  // A sample of 1,000 is ten runs timed together, so that it lasts as long as one of 10,000 and
  // the other work of a shared machine interrupts both alike; its figure is a tenth.
  const tenTimes = (fn) => async () => {
    for (let time = 0; time < 10; time++) await fn();
  };
  // Each pair alternates on its own after warm-up rounds (the JIT has optimized the code before
  // the first sample counts).
  const results = new Map();
  for (const [name, make] of [["order", order], ["run", dryRun], ["map", mapOfSets]]) {
    const pair = await alternate(
      [
        { label: `${name}-1000`, fn: tenTimes(make(1000)) },
        { label: `${name}-10000`, fn: make(10000) },
      ],
      { runs, warmup: 3 },
    );
    const small = pair.get(`${name}-1000`);
    if (small.samples) small.samples = small.samples.map((ms) => ms / 10);
    for (const [label, result] of pair) results.set(label, result);
  }
  removeTempDirs();
  return Object.fromEntries(results);
}

/** Young generation big enough for a whole 10,000-stage graph, so the ratio shows the algorithm. */
const BIG_YOUNG = "--max-semi-space-size=64";

export async function run({ root, node }) {
  const measured = {};
  for (const flags of [[BIG_YOUNG], []]) {
    const child = spawnSync(node, ["--expose-gc", ...flags, fileURLToPath(import.meta.url), root, String(RUNS)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 16 * 1024 * 1024 });
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
      row(`reference, no kernel: a Map of 1,000 Sets, linked and walked (\`${BIG_YOUNG}\`)`, big["map-1000"]),
      row("reference, no kernel: a Map of 10,000 Sets", big["map-10000"], { against: vs(big, "map-1000") }),
      row("order 1,000 no-op stages (default V8 heap)", plain["order-1000"]),
      row("order 10,000 no-op stages (default V8 heap)", plain["order-10000"], { against: vs(plain, "order-1000") }),
      row("dry run of 1,000 no-op stages (default V8 heap)", plain["run-1000"]),
      row("dry run of 10,000 no-op stages (default V8 heap)", plain["run-10000"], { against: vs(plain, "run-1000") }),
    ],
    notes: [
      `The stage rows run in a child \`node\` through the kernel's public API (${PER_PLUGIN} stages per plugin; each stage writes a key, reads two keys of earlier stages and adds to one collection; every tenth depends on the stage three before it), after 3 warm-up rounds, with the garbage of one sample collected before the next (\`--expose-gc\`). A sample of 1,000 stages times ten runs of them, so that both sides last as long and the other work of a shared machine interrupts them alike; the figure is per run. The reference rows do the same with a plain Map of Sets, one per stage id: the ratio this machine's caches give a working set ten times larger, with no kernel code at all.`,
      `With \`${BIG_YOUNG}\` the young generation holds a whole 10,000-stage graph, so the ratio is the kernel's work; with V8's default heap the larger graph outlives scavenges and is promoted to the old generation, so garbage collection (and cache misses) cost more per stage at 10,000 than at 1,000 though every step is linear.`,
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, runs] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await measure(root, Number(runs))));
}
