import { describe, expect, it } from "vitest";
import type { Plugin, StageDeclaration } from "../src/index.js";
import { kernelWith, managerWith, plugin, stage } from "./helpers.js";

/** A deterministic pseudo-random sequence, so a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A pipeline of `count` stages across `plugins` plugins, declared in a shuffled order: each stage
 * writes its own key and reads or depends on up to three stages of lower rank.
 */
function pipeline(count: number, plugins: number, seed: number): Plugin[] {
  const next = random(seed);
  const pick = (below: number) => Math.floor(next() * below);
  const declarations: StageDeclaration[] = [];
  for (let rank = 0; rank < count; rank++) {
    const reads = new Set<string>();
    const dependsOn = new Set<string>();
    for (let edge = 0; edge < 3 && rank > 0; edge++) {
      const other = pick(rank);
      if (next() < 0.5) reads.add(`key_${other}`);
      else dependsOn.add(`s${other % plugins}:r${other}`);
    }
    declarations.push(stage(`s${rank % plugins}:r${rank}`, { writes: [`key_${rank}`], reads: [...reads], dependsOn: [...dependsOn] }));
  }
  for (let index = declarations.length - 1; index > 0; index--) {
    const other = pick(index + 1);
    [declarations[index], declarations[other]] = [declarations[other]!, declarations[index]!];
  }
  return Array.from({ length: plugins }, (_, index) => plugin(`@test/p${index}`, declarations.filter((declaration) => declaration.id.startsWith(`s${index}:`))));
}

/** The rule, spelled out the slow way: repeatedly take the earliest declared stage whose predecessors are all done. */
function earliestReadyOrder(declared: string[], after: Map<string, string[]>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < declared.length) {
    const next = declared.find((id) => !done.has(id) && after.get(id)!.every((before) => done.has(before)));
    if (next === undefined) throw new Error("no stage is ready");
    done.add(next);
    order.push(next);
  }
  return order;
}

describe("stage order of large pipelines", () => {
  it.each([1, 2, 3])("orders 1,500 shuffled stages of 7 plugins by the earliest-declared-ready rule (seed %i)", (seed) => {
    const plugins = pipeline(1500, 7, seed);
    const declared = plugins.flatMap((installed) => installed.stages.map((declaration) => declaration.id));
    const graph = managerWith(plugins).plan();
    const after = new Map(graph.stages.map((ordered) => [ordered.id, ordered.after]));
    expect(graph.stages).toHaveLength(1500);
    expect(graph.stages.map((ordered) => ordered.id)).toEqual(earliestReadyOrder(declared, after));
  });

  it("orders a chain declared last stage first", () => {
    const count = 2000;
    const stages = Array.from({ length: count }, (_, index) => count - 1 - index).map((rank) => stage(`c:r${rank}`, { writes: [`key_${rank}`], reads: rank > 0 ? [`key_${rank - 1}`] : [] }));
    const order = managerWith([plugin("@test/chain", stages)]).plan().stages.map((ordered) => ordered.id);
    expect(order).toEqual(Array.from({ length: count }, (_, rank) => `c:r${rank}`));
  });

  it("selects every stage of a 30,000-stage chain for a target at its end (no recursion to overflow the stack)", () => {
    const count = 30000;
    const stages = Array.from({ length: count }, (_, rank) => stage(`c:r${rank}`, { writes: [`key_${rank}`], reads: rank > 0 ? [`key_${rank - 1}`] : [] }));
    const order = managerWith([plugin("@test/chain", stages)]).plan({ targetStages: [`c:r${count - 1}`] }).stages.map((ordered) => ordered.id);
    expect(order).toHaveLength(count);
    expect(order[0]).toBe("c:r0");
    expect(order[count - 1]).toBe(`c:r${count - 1}`);
  });

  it("still reports the cycle of a large pipeline, and only the stages in it", async () => {
    const stages = Array.from({ length: 1500 }, (_, rank) => stage(`c:r${rank}`, { writes: [`key_${rank}`], reads: rank > 0 ? [`key_${rank - 1}`] : [] }));
    // r700 waits on r1200, which waits (through the chain) on r700.
    stages[700] = stage("c:r700", { writes: ["key_700"], reads: ["key_699"], dependsOn: ["c:r1200"] });
    let message = "";
    try {
      managerWith([plugin("@test/chain", stages)]).plan();
    } catch (error) {
      message = (error as { problems: Array<{ message: string }> }).problems.map((problem) => problem.message).join("\n");
    }
    expect(message).toMatch(/^Stages wait on each other in a cycle: c:r700 --/);
    expect(message).toContain("c:r1200 --(is in the dependsOn of)--> c:r700.");
    expect(message).not.toMatch(/c:r699\b|c:r1201\b/);
  });
});

describe("a run of many stages", () => {
  it("runs each stage's own module, across many plugins, in order", async () => {
    const ran: string[] = [];
    const plugins = Array.from({ length: 20 }, (_, index) =>
      plugin(
        `@test/p${index}`,
        Array.from({ length: 50 }, (_, position) => {
          const id = `p${index}:s${position}`;
          return stage(id, { run: () => void ran.push(id) });
        }),
      ),
    );
    const kernel = await kernelWith(plugins, { dryRun: true });
    const report = await kernel.run();
    const declared = plugins.flatMap((installed) => installed.stages.map((declaration) => declaration.id));
    expect(ran).toEqual(declared);
    expect(report.stages.map((outcome) => `${outcome.id} ${outcome.status}`)).toEqual(declared.map((id) => `${id} done`));
  });
});
