import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StageDeclaration } from "../src/index.js";
import { managerWith, plugin, stage } from "./helpers.js";

/**
 * Random acyclic pipelines: stages get a hidden rank, may depend on or read keys written by
 * lower ranks only, and are declared in a shuffled order across several plugins.
 */
const acyclicPipeline = fc
  .integer({ min: 1, max: 12 })
  .chain((count) =>
    fc.record({
      count: fc.constant(count),
      dependsOn: fc.array(fc.array(fc.nat(count - 1), { maxLength: 3 }), { minLength: count, maxLength: count }),
      readsFrom: fc.array(fc.array(fc.nat(count - 1), { maxLength: 3 }), { minLength: count, maxLength: count }),
      declarationOrder: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
      pluginOf: fc.array(fc.nat(2), { minLength: count, maxLength: count }),
    }),
  );

describe("stage order properties", () => {
  it("respects every edge, keeps every stage, and always picks the earliest declared ready stage", () => {
    fc.assert(
      fc.property(acyclicPipeline, ({ count, dependsOn, readsFrom, declarationOrder, pluginOf }) => {
        const id = (rank: number) => `s:r${rank}`;
        const declarations = new Map<number, StageDeclaration>();
        for (let rank = 0; rank < count; rank++) {
          const lower = (ranks: number[]) => [...new Set(ranks.filter((other) => other < rank))];
          declarations.set(
            rank,
            stage(id(rank), {
              dependsOn: lower(dependsOn[rank]!).map(id),
              reads: lower(readsFrom[rank]!).map((other) => `key_${other}`),
              writes: [`key_${rank}`],
            }),
          );
        }
        const plugins = [0, 1, 2].map((index) => plugin(`@test/p${index}`, declarationOrder.filter((rank) => pluginOf[rank] === index).map((rank) => declarations.get(rank)!)));
        const declared = plugins.flatMap((installed) => installed.stages.map((declaration) => declaration.id));
        const graph = managerWith(plugins).plan();
        const order = graph.stages.map((ordered) => ordered.id);

        expect([...order].sort()).toEqual([...declared].sort());
        const position = new Map(order.map((stageId, index) => [stageId, index]));
        for (const edge of graph.edges) expect(position.get(edge.from)!).toBeLessThan(position.get(edge.to)!);

        const done = new Set<string>();
        for (const stageId of order) {
          const ready = declared.filter((candidate) => !done.has(candidate) && graph.stages.find((ordered) => ordered.id === candidate)!.after.every((before) => done.has(before)));
          expect(stageId).toBe(ready[0]);
          done.add(stageId);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("finds a cycle whenever one stage closes a loop", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), (length) => {
        const stages = [...Array(length).keys()].map((index) => stage(`c:s${index}`, { dependsOn: [`c:s${(index + 1) % length}`] }));
        const error = (() => {
          try {
            managerWith([plugin("@test/c", stages)]).plan();
          } catch (caughtError) {
            return caughtError as { problems: Array<{ code: string; message: string }> };
          }
          return undefined;
        })();
        expect(error?.problems.map((problem) => problem.code)).toEqual(["E_STAGE_CYCLE"]);
        for (let index = 0; index < length; index++) expect(error!.problems[0]!.message).toContain(`c:s${index}`);
      }),
      { numRuns: 30 },
    );
  });
});
