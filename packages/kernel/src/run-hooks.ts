import type { Artifact } from "./artifacts.js";
import type { EffectRecord } from "./effects.js";
import { ExitCode, VmforgeError } from "./errors.js";
import type { InputRecord } from "./input-log.js";
import type { PluginManifest } from "./manifest.js";
import type { SessionEntry } from "./session.js";
import type { RunInput } from "./stage-context.js";
import type { StageGraph, StageSelection } from "./stage-graph.js";
import type { StageOutcome } from "./stage-manager.js";
import type { UIManager } from "./ui.js";

/** The signals that stop a run cleanly. */
export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * What a run resumes from: the stages an earlier run finished and what they left. The kernel
 * restores a value (or a collection item) only when the stage that wrote it is in `completed`.
 */
export interface ResumeState {
  completed: string[];
  session: Record<string, unknown> | SessionEntry[];
  runName?: string;
  /** Effects the completed stages carried out (reported again, marked `resumed`). */
  effects?: EffectRecord[];
  /** Artifacts the completed stages wrote (reported again, marked `resumed`). */
  artifacts?: Artifact[];
  /** User files the earlier run read (kept in this run's report). */
  inputs?: InputRecord[];
  /**
   * Effects that started and never ended (the run was killed in between): handed to the stage
   * that made them as `ctx.interruptedEffects`, so it checks their result.
   */
  interrupted?: EffectRecord[];
  /** Where the state came from, for the hooks of the plugin that saved it (a checkpoint's path and hash). */
  origin?: Record<string, unknown>;
}

/** What run-start hooks see: after every preflight check, before the first stage. */
export interface RunStartInfo {
  /** Random, one per run; also VMFORGE_RUN_ID in the environment of every program the run starts. */
  runId: string;
  /** Named by a preflight check (the VM's name), or by the resumed state; may still be unset. */
  runName: string | undefined;
  dryRun: boolean;
  /** The host root the run reads (`/` on the real host). */
  hostRoot: string;
  outputDir: string | undefined;
  input: RunInput;
  selection: StageSelection;
  graph: StageGraph;
  plugins: readonly PluginManifest[];
  resume: ResumeState | undefined;
  /** Aborted when the run is asked to stop; a hook that waits must stop waiting. */
  signal: AbortSignal;
  ui: UIManager;
}

export type RunOutcome = "done" | "failed" | "interrupted";

/** What run-end hooks see: after the last stage, or after whatever stopped the run. */
export interface RunEndInfo extends RunStartInfo {
  outcome: RunOutcome;
  /** What stopped the run (failed, interrupted). */
  error: unknown;
  stages: readonly StageOutcome[];
  /** Adds advice to the fix of the error the run ends with (`vmforge resume NAME`). */
  addFix(text: string): void;
}

export type RunStartHook = (info: RunStartInfo) => void | Promise<void>;
export type RunEndHook = (info: RunEndInfo) => void | Promise<void>;

const EXIT_CODES: Record<StopSignal, ExitCode> = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated };

/** The error a stopped run ends with: exit code 130 for SIGINT, 143 for SIGTERM. */
export function interruptedError(signal: StopSignal, where: string, cause?: unknown): VmforgeError {
  return new VmforgeError("E_INTERRUPTED", `Stopped by ${signal} ${where}.`, {
    exitCode: EXIT_CODES[signal],
    why: "The run stops between steps: the step that was running finished or was undone, and no file is left half-written.",
    fix: "Run the command again when you are ready.",
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The signal a run was stopped with, from its abort signal. */
export function stopSignalOf(signal: AbortSignal | undefined): StopSignal | undefined {
  if (!signal?.aborted) return undefined;
  return signal.reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
}
