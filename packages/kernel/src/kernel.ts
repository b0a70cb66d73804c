import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { ArtifactStore, type Artifact } from "./artifacts.js";
import { EffectLog, type EffectRecord } from "./effects.js";
import { ExitCode, VmforgeError, appendFix, isVmforgeError, type Problem } from "./errors.js";
import { EventManager } from "./events.js";
import { HostRoot, type HostSource } from "./host-root.js";
import { InputLog, type InputRecord } from "./input-log.js";
import type { Plugin, PluginManifest } from "./manifest.js";
import { interruptedError, stopSignalOf, type ResumeState, type RunEndInfo, type RunOutcome, type RunStartInfo, type StopSignal } from "./run-hooks.js";
import { SessionStore } from "./session.js";
import { createStageContext, type PreflightContext, type RunInput } from "./stage-context.js";
import type { StageGraph, StageSelection, OrderedStage } from "./stage-graph.js";
import { StageManager, type StageOutcome } from "./stage-manager.js";
import type { EffectTarget } from "./effect-target.js";
import { StorageManager } from "./storage.js";
import { StageUi, UIManager } from "./ui.js";

export interface KernelOptions {
  dryRun?: boolean;
  /** Folder read instead of `/` for every host fact (a snapshot). */
  hostRoot?: string;
  /** Fills `hostRoot` as it is read (another machine, over SSH); see HostSource. */
  hostSource?: HostSource;
  /** `--out DIR`: artifacts go here, and are written even in a dry run. */
  outputDir?: string;
  /** The machine effects land on, when not this one (`apply --host`); artifacts are kept here too. */
  effectTarget?: EffectTarget;
  env?: Record<string, string | undefined>;
  /**
   * Checks of the run as a whole, added by the program that runs the kernel (the CLI: every
   * top-level table of the request has an installed owner). They run before the plugins'
   * checks, and their problems are reported with them.
   */
  preflightChecks?: RunCheck[];
}

/** A preflight check that belongs to no plugin. */
export interface RunCheck {
  /** Who checks, named when the check crashes. */
  name: string;
  check: NonNullable<Plugin["preflightCheck"]>;
}

export interface RunOptions {
  input?: Partial<RunInput>;
  selection?: StageSelection;
  /** Resume: stages already done and what they left (see ResumeState). */
  resume?: ResumeState;
}

export interface RunReport {
  dryRun: boolean;
  runName: string | undefined;
  artifactDir: string | undefined;
  stages: StageOutcome[];
  effects: EffectRecord[];
  artifacts: Artifact[];
  hostUnfit: string[];
  /** User files the run read, with their fingerprints. */
  inputs: InputRecord[];
}

/** Ties the parts together for one run: plugins, stages, session, effects, UI and events. */
export class Kernel {
  readonly ui = new UIManager();
  readonly events = new EventManager();
  readonly stages = new StageManager();
  readonly session = new SessionStore();
  readonly storage: StorageManager;
  readonly host: HostRoot;
  readonly effectLog: EffectLog;
  readonly artifacts: ArtifactStore;
  readonly inputs = new InputLog();
  /** One per kernel run; VMFORGE_RUN_ID in the environment of every program it starts. */
  readonly runId = randomBytes(16).toString("hex");
  readonly #stop = new AbortController();
  readonly #dryRun: boolean;
  readonly #hostUnfit: string[] = [];
  readonly #outputDir: string | undefined;
  readonly #runChecks: readonly RunCheck[];
  #outcomes: StageOutcome[] = [];

  constructor(options: KernelOptions = {}) {
    this.#dryRun = options.dryRun ?? false;
    this.#runChecks = options.preflightChecks ?? [];
    this.#outputDir = options.outputDir === undefined ? undefined : resolve(options.outputDir);
    this.storage = new StorageManager(options.env ?? process.env);
    this.host = new HostRoot(options.hostRoot ?? "/", options.hostSource ? { source: options.hostSource } : {});
    this.effectLog = new EffectLog({ dryRun: this.#dryRun, host: this.host, signal: this.#stop.signal, runId: this.runId, ...(this.#outputDir ? { outputDir: this.#outputDir } : {}), ...(options.effectTarget ? { target: options.effectTarget } : {}) });
    this.artifacts = new ArtifactStore(this.#outputDir, this.storage.userDataPath("vms"));
    this.events.onFailure = ({ event, error }) =>
      this.ui.sendMessage({ type: "Warn", code: "W_EVENT_HANDLER", text: `A handler of ${event} failed: ${(error as Error)?.message ?? String(error)}` });
  }

  isDryRun(): boolean {
    return this.#dryRun;
  }

  /**
   * Stops the run cleanly (the CLI calls it on SIGINT and SIGTERM): the running effect finishes
   * (or its stage undoes it), no new effect or stage starts, post-stage hooks still see the stages
   * that finished, and `run()` ends with E_INTERRUPTED (exit code 130, or 143 for SIGTERM).
   */
  interrupt(signal: StopSignal = "SIGINT"): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(signal);
  }

  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  async use(plugin: Plugin): Promise<void> {
    this.stages.registerPlugin(plugin);
    try {
      await plugin.setup?.({
        registerPreStageHook: (hook) => this.stages.registerPreStageHook(hook),
        registerPostStageHook: (hook) => this.stages.registerPostStageHook(hook),
        events: this.events,
        storage: this.storage,
        session: this.session,
        ui: this.ui,
        isDryRun: () => this.#dryRun,
        registerRunStartHook: (hook) => this.stages.registerRunStartHook(hook),
        registerRunEndHook: (hook) => this.stages.registerRunEndHook(hook),
        observeEffects: (observer) => this.effectLog.observe(observer),
        report: () => this.report(),
      });
    } catch (error) {
      if (isVmforgeError(error)) throw error;
      throw new VmforgeError("E_PLUGIN_SETUP", `${plugin.name}'s setup() failed: ${(error as Error)?.message ?? String(error)}`, {
        fix: `Reinstall ${plugin.name} or report it to its authors; uninstall it to run without it.`,
        cause: error,
      });
    }
  }

  manifests(): readonly PluginManifest[] {
    return this.stages.plugins();
  }

  plan(selection: StageSelection = {}): StageGraph {
    return this.stages.plan(selection);
  }

  /**
   * The preflight checks of the run and of the plugins taking part: all of them, or, given the
   * plugins whose stages a run selects, those and the plugins without stages (they watch the
   * whole run). A plugin none of whose stages runs is not asked, and its code is not even
   * loaded (`vmforge check` runs env-check's stages alone). All problems in one error. Exit code 2, or 3 when every problem came from
   * a check that said the host cannot do it.
   */
  async preflight(input: RunInput, participants?: ReadonlySet<string>): Promise<void> {
    const context: PreflightContext = {
      input,
      host: this.host,
      storage: this.storage,
      plugins: this.manifests(),
      isDryRun: () => this.#dryRun,
      setRunName: (name) => this.artifacts.setRunName(name),
      recordInput: async (path, what) => void (await this.inputs.record(path, what)),
    };
    const problems: Problem[] = [];
    const thrown: VmforgeError[] = [];
    let onlyHostProblems = true;
    const taking = this.stages.plugins().filter((plugin) => plugin.preflightCheck && (!participants || participants.has(plugin.name) || plugin.stages.length === 0));
    const checks: RunCheck[] = [...this.#runChecks, ...taking.map((plugin) => ({ name: plugin.name, check: plugin.preflightCheck! }))];
    for (const { name, check } of checks) {
      try {
        const found = (await check(context)) ?? [];
        if (found.length > 0) onlyHostProblems = false;
        problems.push(...found);
      } catch (error) {
        if (!isVmforgeError(error) || error.exitCode !== ExitCode.hostUnfit) onlyHostProblems = false;
        if (isVmforgeError(error)) thrown.push(error);
        if (isVmforgeError(error)) problems.push(...(error.problems.length ? error.problems : [{ code: error.code, message: error.message, ...(error.fix ? { fix: error.fix } : {}) }]));
        else problems.push({ code: "E_PREFLIGHT_CRASHED", message: `${name}'s preflight check failed: ${(error as Error)?.message ?? String(error)}` });
      }
    }
    // One check's own error, alone, keeps its code, message, why and fix (E_CONFIG_INVALID...).
    const only = thrown[0];
    if (thrown.length === 1 && only && problems.length === Math.max(1, only.problems.length)) throw only;
    if (problems.length > 0) {
      throw new VmforgeError("E_PREFLIGHT", `Preflight found ${problems.length} problem${problems.length === 1 ? "" : "s"}.`, {
        exitCode: onlyHostProblems ? ExitCode.hostUnfit : ExitCode.usage,
        problems,
        why: "Every plugin checks the config and the host before the first stage, so nothing is half done.",
      });
    }
  }

  async run(options: RunOptions = {}): Promise<RunReport> {
    const input: RunInput = { ...options.input, flags: options.input?.flags ?? {}, ...(this.#outputDir ? { outputDir: this.#outputDir } : {}) };
    const selection = options.selection ?? {};
    const resume = options.resume;
    this.#outcomes = [];
    const graph = this.plan(selection);
    this.#warnIgnored(graph);
    if (resume) this.#restore(resume);
    await this.preflight(input, new Set(graph.stages.map((stage) => stage.plugin)));
    const outcomes = this.#outcomes;
    const manifests = this.manifests();
    const interrupted = resume?.interrupted ?? [];
    const contextFor = (stage: OrderedStage) =>
      createStageContext({
        stageId: stage.id,
        plugin: stage.plugin,
        declaredReads: new Set(stage.reads.map((read) => read.key)),
        declaredWrites: new Set(stage.writes),
        declaredAdds: new Set(stage.adds),
        session: this.session,
        input,
        ui: new StageUi(this.ui, { stage: stage.id, plugin: stage.plugin }),
        effects: this.effectLog.forStage(stage.id),
        host: this.host,
        storage: this.storage,
        plugins: manifests,
        events: this.events,
        artifacts: this.artifacts,
        dryRun: this.#dryRun,
        onHostUnfit: (reason) => this.#hostUnfit.push(reason),
        explainMissing: (key) => explainMissing(key, graph, outcomes),
        inputs: this.inputs,
        signal: this.#stop.signal,
        interruptedEffects: interrupted.filter((record) => record.stage === stage.id),
      });
    const startInfo: RunStartInfo = {
      runId: this.runId,
      runName: this.artifacts.runName,
      dryRun: this.#dryRun,
      hostRoot: this.host.root,
      outputDir: this.#outputDir,
      input,
      selection,
      graph,
      plugins: manifests,
      resume,
      signal: this.#stop.signal,
      ui: this.ui,
    };
    let outcome: RunOutcome = "done";
    let failure: unknown;
    try {
      const stopped = stopSignalOf(this.#stop.signal);
      if (stopped) throw interruptedError(stopped, "before the first stage");
      for (const hook of this.stages.runStartHooks()) await runHook("start", hook, startInfo);
      await this.stages.run(graph, {
        contextFor,
        onOutcome: (finished) => outcomes.push(finished),
        include: new Set(selection.include ?? []),
        signal: this.#stop.signal,
        ...(resume ? { completed: new Set(resume.completed) } : {}),
      });
    } catch (error) {
      outcome = isVmforgeError(error) && error.code === "E_INTERRUPTED" ? "interrupted" : "failed";
      failure = error;
    } finally {
      await this.events.drain();
    }
    failure = await this.#endRun({ ...startInfo, runName: this.artifacts.runName, outcome, error: failure, stages: [...outcomes], addFix: () => undefined }, failure);
    if (failure !== undefined) throw failure;
    return this.report(outcomes);
  }

  /** One warning per plugin whose stages have structural problems this run leaves out. */
  #warnIgnored(graph: StageGraph): void {
    const byPlugin = new Map<string, Problem[]>();
    for (const { plugins, problem } of graph.ignored ?? []) for (const plugin of plugins) byPlugin.set(plugin, [...(byPlugin.get(plugin) ?? []), problem]);
    for (const [plugin, problems] of byPlugin) {
      const codes = [...new Set(problems.map((problem) => problem.code))].join(", ");
      this.ui.sendMessage({
        type: "Warn",
        code: "W_PLUGIN_STAGES_BROKEN",
        text: `${plugin}: ${problems.length} problem${problems.length === 1 ? "" : "s"} (${codes}) in stages this run does not use; they are left out.`,
        fix: "`vmforge stages` shows them; fix or uninstall the plugin.",
      });
    }
  }

  /** Run-end hooks; a hook that fails after a run that succeeded fails it, after one that failed it is ignored. */
  async #endRun(info: RunEndInfo, failure: unknown): Promise<unknown> {
    const fixes: string[] = [];
    const ended: RunEndInfo = { ...info, addFix: (text) => void fixes.push(text) };
    for (const hook of this.stages.runEndHooks()) {
      try {
        await runHook("end", hook, ended);
      } catch (error) {
        if (failure === undefined) failure = error;
      }
    }
    if (fixes.length > 0 && isVmforgeError(failure)) appendFix(failure, fixes.join(" "));
    return failure;
  }

  /** Puts back what the completed stages of an earlier run left; nothing of a stage that runs again. */
  #restore(resume: ResumeState): void {
    const completed = new Set(resume.completed);
    const byCompleted = <T extends { stage?: string }>(records: readonly T[] | undefined): T[] => (records ?? []).filter((record) => record.stage === undefined || completed.has(record.stage));
    if (Array.isArray(resume.session)) {
      this.session.restore(
        resume.session.flatMap((entry) => {
          if (!entry.collection) return entry.writers.every((writer) => completed.has(writer)) ? [entry] : [];
          const items = (entry.value as unknown[]).map((value, index) => ({ value, writer: entry.writers[index] ?? "" })).filter((item) => completed.has(item.writer));
          return items.length > 0 ? [{ ...entry, value: items.map((item) => item.value), writers: items.map((item) => item.writer) }] : [];
        }),
      );
    } else {
      this.session.restore(resume.session);
    }
    if (resume.runName) this.artifacts.setRunName(resume.runName);
    this.effectLog.records.push(...byCompleted(resume.effects).map((record) => ({ ...record, resumed: true as const })));
    this.artifacts.seed(byCompleted(resume.artifacts));
    this.inputs.seed(resume.inputs ?? []);
  }

  /** The report of a run; without outcomes, of the latest run so far (what ran before a failure). */
  report(outcomes: StageOutcome[] = this.#outcomes): RunReport {
    let artifactDir: string | undefined;
    try {
      artifactDir = this.artifacts.dir;
    } catch {
      artifactDir = undefined;
    }
    return {
      dryRun: this.#dryRun,
      runName: this.artifacts.runName,
      artifactDir,
      stages: [...outcomes],
      effects: this.effectLog.records,
      artifacts: this.artifacts.list(),
      hostUnfit: [...this.#hostUnfit],
      inputs: this.inputs.list(),
    };
  }
}

function explainMissing(key: string, graph: StageGraph, outcomes: readonly StageOutcome[]): string {
  const producers = graph.stages.filter((stage) => stage.writes.includes(key) || stage.adds.includes(key));
  if (producers.length === 0) return `No stage selected for this run writes session.${key}.`;
  return producers
    .map((producer) => {
      const outcome = outcomes.find((candidate) => candidate.id === producer.id);
      const fate = !outcome ? "has not run" : outcome.status === "skipped" ? "was skipped (its condition was false)" : `ended ${outcome.status} without writing it`;
      return `${producer.id} (${producer.plugin}) writes session.${key} and ${fate}.`;
    })
    .join(" ");
}

async function runHook<I extends { runName: string | undefined }>(phase: "start" | "end", hook: (info: I) => void | Promise<void>, info: I): Promise<void> {
  try {
    await hook(info);
  } catch (error) {
    if (isVmforgeError(error)) throw error;
    throw new VmforgeError("E_HOOK_FAILED", `A run-${phase} hook failed: ${(error as Error)?.message ?? String(error)}`, {
      why: "Run hooks run with the pipeline, so a failing hook stops the run.",
      fix: "Fix or uninstall the plugin that registered the hook.",
      cause: error,
    });
  }
}
