import { hostname } from "node:os";
import { lstat } from "node:fs/promises";
import {
  ExitCode,
  VmforgeError,
  isVmforgeError,
  type EffectEvent,
  type EffectRecord,
  type PluginSetupApi,
  type RunEndInfo,
  type RunStartInfo,
  type SessionEntry,
  type StageHookInfo,
} from "@vmforge/kernel";
import type { Checkpoint, SavedSessionEntry } from "./checkpoint.js";
import { buildCheckpoint, type RunFrame } from "./checkpoint-builder.js";
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from "./checkpoint-file.js";
import { RecoveryCode } from "./error-codes.js";
import { checkpointPath, lockPath, resumeCommandFor } from "./recovery-paths.js";
import { changedArtifacts, changedInputs, changedPlugins, refusal } from "./resume-checks.js";
import { acquireLock, type HeldLock } from "./run-lock.js";
import { isFileSafeRunName } from "./run-names.js";
import { secretDigest } from "./secret-digest.js";

/** `input.flags.recoveryRestart`: `vmforge resume NAME --restart` starts the run over on purpose (no warning). */
export const RESTART_FLAG = "recoveryRestart";
/** `input.flags.wait`: `--wait`. */
export const WAIT_FLAG = "wait";

type Api = Required<Pick<PluginSetupApi, "session" | "report">> & Pick<PluginSetupApi, "storage" | "ui">;
type SecretEntry = Extract<SavedSessionEntry, { secret: true }>;

/** How often a dry run saves its checkpoint after a stage, at most. */
const DRY_RUN_SAVE_INTERVAL_MS = 1000;

/**
 * One run, watched: the lock taken before the first stage, a checkpoint after every finished
 * stage (a dry run's at most once a second) and around every effect that cannot simply be
 * repeated, the checkpoint removed when the run is done and the lock released however it ends.
 */
export class RunRecorder {
  #done: Set<string>;
  #skipped = new Set<string>();
  #session: SessionEntry[];
  #inFlight: EffectRecord[] = [];
  #saved: boolean;
  #savedAt = -Infinity;
  #expectedSecrets = new Map<string, SecretEntry>();

  private constructor(
    private readonly api: Api,
    private readonly path: string,
    private readonly lock: HeldLock,
    private readonly frame: RunFrame,
    resumed: boolean,
    completed: readonly string[],
  ) {
    this.#done = new Set(completed);
    this.#session = api.session.entries();
    this.#saved = resumed;
  }

  /** Undefined when the run has no name a file can carry (nothing to lock or checkpoint). */
  static async start(api: Api, info: RunStartInfo): Promise<RunRecorder | undefined> {
    const name = info.runName ?? info.resume?.runName;
    const configPath = info.input.configPath;
    if (!name || !configPath) return undefined;
    if (!isFileSafeRunName(name)) {
      info.ui.sendMessage({ type: "Warn", code: RecoveryCode.unnamed, text: `The run's name ${JSON.stringify(name)} cannot name a file: it is neither locked nor checkpointed.` });
      return undefined;
    }
    const place = { dryRun: info.dryRun, outputDir: info.outputDir };
    const path = checkpointPath(api.storage, name, place);
    const lockFile = lockPath(api.storage, name, place);
    // A dry run without --out writes nothing, run state included: there is nothing to resume.
    if (!path || !lockFile) return undefined;
    const lock = await acquireLock({
      path: lockFile,
      vm: name,
      dryRun: info.dryRun,
      runId: info.runId,
      wait: info.input.flags[WAIT_FLAG] === true,
      retryHint: info.resume ? resumeCommandFor({ vm: name, dryRun: info.dryRun, hostRoot: info.hostRoot, run: { outputDir: info.outputDir ?? null } }, "--wait") : ["vmforge", ...process.argv.slice(2), "--wait"].join(" "),
      resuming: info.resume !== undefined,
      signal: info.signal,
      ui: info.ui,
    });
    const frame: RunFrame = {
      vm: name,
      dryRun: info.dryRun,
      hostRoot: info.hostRoot,
      host: hostname(),
      run: { configPath, outputDir: info.outputDir ?? null, include: [...(info.selection.include ?? [])], flags: savedFlags(info.input.flags) },
      createdAt: new Date().toISOString(),
      runId: info.runId,
      plugins: info.plugins.map((plugin) => ({ name: plugin.name, version: plugin.version })),
      order: info.graph.stages.map((stage) => stage.id),
    };
    const recorder = new RunRecorder(api, path, lock, frame, info.resume !== undefined, info.resume?.completed ?? []);
    try {
      await recorder.#prepare(info);
    } catch (error) {
      await lock.release();
      throw error;
    }
    return recorder;
  }

  /** Under the lock: a resumed checkpoint is still the one read and still holds; a fresh run replaces any earlier one. */
  async #prepare(info: RunStartInfo): Promise<void> {
    const origin = info.resume?.origin as { checkpoint?: unknown; sha256?: unknown } | undefined;
    if (info.resume && typeof origin?.checkpoint === "string") {
      const read = await readCheckpoint(this.path);
      if (origin.checkpoint !== this.path || !read || read.sha256 !== origin.sha256) {
        throw new VmforgeError(RecoveryCode.checkpointChanged, `The checkpoint ${this.path} changed while this run waited to start: another run resumed or replaced it.`, {
          exitCode: ExitCode.usage,
          fix: `See what is left to do with \`vmforge resume\`, then resume again.`,
        });
      }
      const { checkpoint } = read;
      const problems = [...changedPlugins(checkpoint, this.frame.plugins), ...(await changedInputs(checkpoint)), ...(await changedArtifacts(checkpoint))];
      if (problems.length > 0) throw refusal(checkpoint, this.path, problems);
      this.frame.createdAt = checkpoint.createdAt;
      for (const entry of checkpoint.session) if (entry.secret && !entry.collection) this.#expectedSecrets.set(entry.name, entry);
      const again = checkpoint.stages.done.filter((id) => !this.#done.has(id));
      info.ui.sendMessage({
        type: "Info",
        text: `Resuming ${checkpoint.vm} from ${this.path}: ${this.#done.size} stage${this.#done.size === 1 ? "" : "s"} done before ${this.#done.size === 1 ? "is" : "are"} kept${again.length > 0 ? `; ${again.join(", ")} run${again.length === 1 ? "s" : ""} again to make the secrets the checkpoint does not hold` : ""}.`,
      });
      return;
    }
    await this.#replaceEarlier(info.input.flags[RESTART_FLAG] === true);
    // From the first stage on, a killed run can be resumed (with nothing done yet, it starts over).
    await this.#save("running", null);
  }

  async #replaceEarlier(onPurpose: boolean): Promise<void> {
    const there = await lstat(this.path).then(() => true, () => false);
    if (!there) return;
    let earlier: Checkpoint | undefined;
    try {
      earlier = (await readCheckpoint(this.path))?.checkpoint;
    } catch (error) {
      // Unusable anyway; only a folder or another non-file in its place stops us.
      if (isVmforgeError(error) && error.code === RecoveryCode.checkpointUnsafe && !(await lstat(this.path)).isFile()) throw error;
    }
    await removeCheckpoint(this.path);
    if (onPurpose) return;
    this.api.ui?.sendMessage({
      type: "Warn",
      code: RecoveryCode.replaced,
      text: earlier
        ? `An earlier run of ${earlier.vm} stopped at ${earlier.stages.pending[0] ?? "its end"} (${earlier.updatedAt}); this run starts over and replaces its checkpoint.`
        : `An earlier checkpoint of ${this.frame.vm} could not be read; this run starts over and replaces it.`,
      fix: `\`${resumeCommandFor(this.frame)}\` continues a stopped run instead of starting over.`,
    });
  }

  async afterStage(info: StageHookInfo): Promise<void> {
    if (info.status === "skipped") {
      this.#skipped.add(info.stage.id);
      await this.#saveAfterStage();
      return;
    }
    if (info.status !== "done") return;
    const entries = this.api.session.entries();
    // A stage whose secret differs from the saved one does not count as done.
    this.#checkSecrets(info.stage.id, entries);
    this.#done.add(info.stage.id);
    this.#session = entries;
    await this.#saveAfterStage();
  }

  /**
   * A real run saves after every stage. A dry run changes nothing on the host, so it saves at most
   * once a second: a plan killed outright loses at most that much work, and a plan that stops
   * (a failure, Ctrl-C) still saves everything it did in end(). A whole plan takes well under a
   * second, and a checkpoint per stage was a third of its time.
   */
  async #saveAfterStage(): Promise<void> {
    if (this.frame.dryRun && performance.now() - this.#savedAt < DRY_RUN_SAVE_INTERVAL_MS) return;
    await this.#save("running", null);
  }

  /** Before and after an effect that cannot simply be repeated: the checkpoint says it was under way. */
  async onEffect(event: EffectEvent): Promise<void> {
    if (event.phase === "start") this.#inFlight.push(event.record);
    else this.#inFlight = this.#inFlight.filter((record) => record !== event.record);
    await this.#save("running", null);
  }

  async end(info: RunEndInfo): Promise<void> {
    try {
      if (info.outcome === "done") {
        await removeCheckpoint(this.path);
        return;
      }
      if (!this.#saved) return;
      const error = isVmforgeError(info.error) ? { code: info.error.code, message: info.error.message } : { code: "E_INTERNAL", message: String((info.error as Error)?.message ?? info.error) };
      await this.#save(info.outcome === "interrupted" ? "interrupted" : "failed", error);
      const startOver = error.code === RecoveryCode.diverged || error.code === "E_RESUME_SESSION_INVALID";
      info.addFix(
        startOver
          ? `Start over with \`${resumeCommandFor(this.frame, "--restart")}\`.`
          : `Then \`${resumeCommandFor(this.frame)}\` goes on from ${this.#nextStage() ?? "the end"}, the stages done kept.`,
      );
    } finally {
      await this.lock.release();
    }
  }

  #nextStage(): string | undefined {
    return this.frame.order.find((id) => !this.#done.has(id) && !this.#skipped.has(id));
  }

  /** A secret a stage of a resumed run produced again must be the one the checkpoint hashed. */
  #checkSecrets(stage: string, entries: readonly SessionEntry[]): void {
    for (const entry of entries) {
      const expected = this.#expectedSecrets.get(entry.name);
      if (!entry.secret || !expected || !entry.writers.includes(stage)) continue;
      this.#expectedSecrets.delete(entry.name);
      if (secretDigest(entry.value, expected.salt) === expected.sha256) continue;
      throw new VmforgeError(RecoveryCode.diverged, `${stage} produced another session.${entry.name} than the run that was stopped.`, {
        exitCode: ExitCode.usage,
        why: "A secret value is not saved in the checkpoint; the stage that makes it ran again from the same inputs and should make the same value. Going on would mix two versions.",
        fix: `Start over with \`${resumeCommandFor(this.frame, "--restart")}\`.`,
      });
    }
  }

  async #save(status: Checkpoint["status"], error: Checkpoint["error"]): Promise<void> {
    const checkpoint = buildCheckpoint(this.frame, { done: this.#done, skipped: this.#skipped, session: this.#session, report: this.api.report(), inFlight: this.#inFlight, status, error });
    await writeCheckpoint(this.path, checkpoint);
    this.#saved = true;
    this.#savedAt = performance.now();
  }
}

/** The run's switches as JSON can hold them, without those that belong to one invocation. */
function savedFlags(flags: Record<string, unknown>): Checkpoint["run"]["flags"] {
  const saved: Checkpoint["run"]["flags"] = {};
  for (const [name, value] of Object.entries(flags)) {
    if (name === WAIT_FLAG || name === RESTART_FLAG) continue;
    if (value === null || typeof value === "boolean" || typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) saved[name] = value;
  }
  return saved;
}
