import { VmforgeError, isVmforgeError } from "./errors.js";
import type { Plugin } from "./manifest.js";
import { buildStageGraph, type OrderedStage, type StageGraph, type StageSelection } from "./stage-graph.js";
import type { StageContext } from "./stage-context.js";

export type StageStatus = "done" | "skipped" | "failed" | "resumed";

export interface StageHookInfo {
  stage: OrderedStage;
  context: StageContext;
  /** Set for post-stage hooks. */
  status?: StageStatus;
  durationMs?: number;
}

/** Runs immediately before or after a stage; the pipeline waits for it. */
export type StageHook = (info: StageHookInfo) => void | Promise<void>;

export interface StageOutcome {
  id: string;
  plugin: string;
  status: StageStatus;
  durationMs: number;
  reason?: string;
}

export interface StageRunOptions {
  /** Stages already done in an earlier run (resume): not run again. */
  completed?: ReadonlySet<string>;
  /** Optional stages asked for by name: their condition is not consulted. */
  include?: ReadonlySet<string>;
  /** Called as each stage ends, so a failed run still reports what ran. */
  onOutcome?: (outcome: StageOutcome) => void;
  contextFor(stage: OrderedStage): StageContext;
}

/** Holds the installed plugins' stages and hooks, orders them, and runs them. */
export class StageManager {
  readonly #plugins: Plugin[] = [];
  readonly #preHooks: StageHook[] = [];
  readonly #postHooks: StageHook[] = [];

  registerPlugin(plugin: Plugin): void {
    this.#plugins.push(plugin);
  }

  registerPreStageHook(hook: StageHook): void {
    this.#preHooks.push(hook);
  }

  registerPostStageHook(hook: StageHook): void {
    this.#postHooks.push(hook);
  }

  plugins(): readonly Plugin[] {
    return this.#plugins;
  }

  /** The ordered graph; imports no stage code. */
  plan(selection: StageSelection = {}): StageGraph {
    return buildStageGraph(
      this.#plugins.flatMap((plugin) => plugin.stages.map((declaration) => ({ plugin: plugin.name, declaration }))),
      selection,
    );
  }

  declarationOf(id: string) {
    for (const plugin of this.#plugins) {
      const declaration = plugin.stages.find((stage) => stage.id === id);
      if (declaration) return declaration;
    }
    throw new VmforgeError("E_STAGE_UNKNOWN", `No installed plugin declares stage ${id}.`);
  }

  async run(graph: StageGraph, options: StageRunOptions): Promise<StageOutcome[]> {
    const outcomes: StageOutcome[] = [];
    const requested = options.include ?? new Set<string>();
    const record = (outcome: StageOutcome): void => {
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    };
    for (const stage of graph.stages) {
      const started = performance.now();
      const declaration = this.declarationOf(stage.id);
      if (options.completed?.has(stage.id)) {
        record({ id: stage.id, plugin: stage.plugin, status: "resumed", durationMs: 0 });
        continue;
      }
      const context = options.contextFor(stage);
      if (declaration.when && !requested.has(stage.id)) {
        const run = await declaration.when(context);
        if (!run) {
          const outcome: StageOutcome = { id: stage.id, plugin: stage.plugin, status: "skipped", durationMs: 0, reason: "condition false" };
          record(outcome);
          for (const hook of this.#postHooks) await hook({ stage, context, status: "skipped", durationMs: 0 });
          continue;
        }
      }
      for (const hook of this.#preHooks) await hook({ stage, context });
      try {
        const module = await declaration.load();
        await module.run(context);
      } catch (error) {
        const durationMs = performance.now() - started;
        record({ id: stage.id, plugin: stage.plugin, status: "failed", durationMs });
        throw isVmforgeError(error)
          ? error
          : new VmforgeError("E_STAGE_FAILED", `Stage ${stage.id} (${stage.plugin}) failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      const durationMs = performance.now() - started;
      record({ id: stage.id, plugin: stage.plugin, status: "done", durationMs });
      for (const hook of this.#postHooks) await hook({ stage, context, status: "done", durationMs });
    }
    return outcomes;
  }
}
