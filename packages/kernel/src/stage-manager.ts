import { VmforgeError, attributeToStage, isVmforgeError } from "./errors.js";
import type { Plugin, StageDeclaration, StageModule } from "./manifest.js";
import { buildStageGraph, type OrderedStage, type StageGraph, type StageSelection } from "./stage-graph.js";
import type { StageContext } from "./stage-context.js";
import { interruptedError, stopSignalOf, type RunEndHook, type RunStartHook } from "./run-hooks.js";

export type StageStatus = "done" | "skipped" | "failed" | "resumed";

export interface StageHookInfo {
  stage: OrderedStage;
  context: StageContext;
  /** Set for post-stage hooks. */
  status?: StageStatus;
  durationMs?: number;
  /** Set for a post-stage hook after a stage failed. */
  error?: VmforgeError;
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
  /** Once aborted, no further stage starts; a stage that fails after it is reported as interrupted. */
  signal?: AbortSignal;
  contextFor(stage: OrderedStage): StageContext;
}

/** Holds the installed plugins' stages and hooks, orders them, and runs them. */
export class StageManager {
  readonly #plugins: Plugin[] = [];
  readonly #preHooks: StageHook[] = [];
  readonly #postHooks: StageHook[] = [];
  readonly #runStartHooks: RunStartHook[] = [];
  readonly #runEndHooks: RunEndHook[] = [];

  registerPlugin(plugin: Plugin): void {
    this.#plugins.push(plugin);
  }

  registerPreStageHook(hook: StageHook): void {
    this.#preHooks.push(hook);
  }

  registerPostStageHook(hook: StageHook): void {
    this.#postHooks.push(hook);
  }

  /** Runs after every preflight check, before the first stage (a lock, a check of saved state). */
  registerRunStartHook(hook: RunStartHook): void {
    this.#runStartHooks.push(hook);
  }

  /** Runs when the run is over, however it ended. */
  registerRunEndHook(hook: RunEndHook): void {
    this.#runEndHooks.push(hook);
  }

  runStartHooks(): readonly RunStartHook[] {
    return this.#runStartHooks;
  }

  runEndHooks(): readonly RunEndHook[] {
    return this.#runEndHooks;
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

  declarationOf(id: string): StageDeclaration {
    for (const plugin of this.#plugins) {
      const declaration = plugin.stages.find((stage) => stage.id === id);
      if (declaration) return declaration;
    }
    return unknownStage(id);
  }

  /** Every stage's declaration by id, the first one declared winning as in declarationOf: one lookup per stage keeps a run linear. */
  #declarations(): Map<string, StageDeclaration> {
    const byId = new Map<string, StageDeclaration>();
    for (const plugin of this.#plugins) for (const declaration of plugin.stages) if (!byId.has(declaration.id)) byId.set(declaration.id, declaration);
    return byId;
  }

  async run(graph: StageGraph, options: StageRunOptions): Promise<StageOutcome[]> {
    const outcomes: StageOutcome[] = [];
    const requested = options.include ?? new Set<string>();
    const record = (outcome: StageOutcome): void => {
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    };
    const declarations = this.#declarations();
    for (const stage of graph.stages) {
      const declaration = declarations.get(stage.id) ?? unknownStage(stage.id);
      if (options.completed?.has(stage.id)) {
        record({ id: stage.id, plugin: stage.plugin, status: "resumed", durationMs: 0 });
        continue;
      }
      const stopped = stopSignalOf(options.signal);
      if (stopped) throw interruptedError(stopped, `before ${stage.id}`);
      const context = options.contextFor(stage);
      if (declaration.when && !requested.has(stage.id)) {
        let shouldRun: boolean;
        try {
          shouldRun = await declaration.when(context);
        } catch (error) {
          throw await this.#fail(stage, context, 0, stageError(stage, this.#versionOf(stage.plugin), error, "its condition (when) failed", options.signal), record);
        }
        if (!shouldRun) {
          record({ id: stage.id, plugin: stage.plugin, status: "skipped", durationMs: 0, reason: "condition false" });
          await runHooks("post", this.#postHooks, { stage, context, status: "skipped", durationMs: 0 });
          continue;
        }
      }
      await runHooks("pre", this.#preHooks, { stage, context });
      const started = performance.now();
      try {
        const module = await loadStage(stage, declaration);
        await module.run(context);
      } catch (error) {
        throw await this.#fail(stage, context, performance.now() - started, stageError(stage, this.#versionOf(stage.plugin), error, "failed", options.signal), record);
      }
      const durationMs = performance.now() - started;
      record({ id: stage.id, plugin: stage.plugin, status: "done", durationMs });
      await runHooks("post", this.#postHooks, { stage, context, status: "done", durationMs });
    }
    return outcomes;
  }

  #versionOf(pluginName: string): string | undefined {
    return this.#plugins.find((plugin) => plugin.name === pluginName)?.version;
  }

  /** Records the failure and lets post hooks see it; the stage's error stays the one reported. */
  async #fail(stage: OrderedStage, context: StageContext, durationMs: number, error: VmforgeError, record: (outcome: StageOutcome) => void): Promise<VmforgeError> {
    record({ id: stage.id, plugin: stage.plugin, status: "failed", durationMs, reason: error.message });
    try {
      await runHooks("post", this.#postHooks, { stage, context, status: "failed", durationMs, error });
    } catch {
      // A hook that breaks while observing a failure must not hide the failure itself.
    }
    return error;
  }
}

function unknownStage(id: string): never {
  throw new VmforgeError("E_STAGE_UNKNOWN", `No installed plugin declares stage ${id}.`);
}

async function loadStage(stage: OrderedStage, declaration: StageDeclaration): Promise<StageModule> {
  let module: StageModule;
  try {
    module = await declaration.load();
  } catch (error) {
    throw new VmforgeError("E_STAGE_LOAD", `Could not load the code of stage ${stage.id} (${stage.plugin}): ${messageOf(error)}`, {
      fix: `Reinstall ${stage.plugin}; if it persists, report it to the plugin's authors.`,
      cause: error,
    });
  }
  if (typeof module?.run !== "function") {
    throw new VmforgeError("E_STAGE_LOAD", `The module of stage ${stage.id} (${stage.plugin}) exports no run() function.`, {
      fix: `A stage module must \`export async function run(ctx)\` (a plugin bug in ${stage.plugin}).`,
    });
  }
  return module;
}

async function runHooks(phase: "pre" | "post", hooks: readonly StageHook[], info: StageHookInfo): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook(info);
    } catch (error) {
      if (isVmforgeError(error)) throw error;
      throw new VmforgeError("E_HOOK_FAILED", `A ${phase}-stage hook failed ${phase === "pre" ? "before" : "after"} stage ${info.stage.id} (${info.stage.plugin}): ${messageOf(error)}`, {
        why: "Stage hooks run synchronously with the pipeline, so a failing hook stops the run.",
        fix: "Fix or uninstall the plugin that registered the hook.",
        cause: error,
      });
    }
  }
}

/**
 * A stage's failure as the run reports it, naming the stage and its plugin. A VmforgeError keeps
 * its code, why and fix; anything else thrown is a bug in the plugin, and says so.
 */
function stageError(stage: OrderedStage, version: string | undefined, error: unknown, what: string, signal: AbortSignal | undefined): VmforgeError {
  // After Ctrl-C a stage fails because its program was stopped too: that is the interruption.
  const stopped = stopSignalOf(signal);
  if (stopped && !(isVmforgeError(error) && error.code === "E_INTERRUPTED")) return interruptedError(stopped, `during ${stage.id}`, error);
  if (isVmforgeError(error) && error.code === "E_INTERRUPTED") return error;
  const where = { stage: stage.id, plugin: stage.plugin, ...(version ? { pluginVersion: version } : {}) };
  if (isVmforgeError(error)) {
    attributeToStage(error, where);
    return error;
  }
  const wrapped = new VmforgeError("E_STAGE_FAILED", `Stage ${stage.id} (${stage.plugin}) ${what}: ${messageOf(error)}`, {
    why: `The stage threw ${describeThrown(error)}, not a VmforgeError: an error its authors did not foresee.`,
    fix: `This is a bug in ${stage.plugin}${version ? ` ${version}` : ""}: report it to its authors; run with VMFORGE_DEBUG=1 for the stack.`,
    cause: error,
  });
  attributeToStage(wrapped, where);
  return wrapped;
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `a plain ${error.name}`;
  const kind = error === null ? "null" : typeof error;
  return `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} value`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
