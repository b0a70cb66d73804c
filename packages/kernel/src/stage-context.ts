import type { ArtifactStore, Artifact } from "./artifacts.js";
import type { EffectObserver, EffectRecord, Effects, WriteFileOptions } from "./effects.js";
import { VmforgeError } from "./errors.js";
import type { EventManager, EventName, EventPayload } from "./events.js";
import type { HostRoot } from "./host-root.js";
import type { PluginManifest } from "./manifest.js";
import type { CollectionKey, SessionKey, SessionStore } from "./session.js";
import type { StorageManager } from "./storage.js";
import type { StageUi, UIManager } from "./ui.js";
import type { StageHook } from "./stage-manager.js";
import type { InputLog } from "./input-log.js";
import type { RunEndHook, RunStartHook } from "./run-hooks.js";
import type { RunReport } from "./kernel.js";

/** What a run was asked to do: the config file, the output folder, flags from the command line. */
export interface RunInput {
  configPath?: string;
  outputDir?: string;
  /** Extra switches a command passes (e.g. `bindVfio`); plugins read what they know. */
  flags: Record<string, unknown>;
}

/** What every stage gets. Reads are typed by the key; writes are validated by its schema. */
export interface StageContext {
  readonly stageId: string;
  readonly plugin: string;
  readonly input: RunInput;
  readonly ui: StageUi;
  readonly effects: Effects;
  readonly host: HostRoot;
  readonly storage: StorageManager;
  readonly plugins: readonly PluginManifest[];
  isDryRun(): boolean;
  get<T>(key: SessionKey<T>): T;
  tryGet<T>(key: SessionKey<T>): T | undefined;
  items<T>(key: CollectionKey<T>): T[];
  set<T>(key: SessionKey<T>, value: T): T;
  add<T>(key: CollectionKey<T>, item: T): T;
  dispatch<N extends EventName>(name: N, payload: EventPayload<N>): void;
  /** Names the run (the VM): its artifact folder and checkpoints use it. */
  setRunName(name: string): void;
  readonly runName: string | undefined;
  /** Writes a file into the run's artifact folder through the effects API. */
  writeArtifact(name: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<Artifact>;
  artifactPath(name: string): string;
  /** Marks the host as unable to run what was asked; the command exits with code 3. */
  markHostUnfit(reason: string): void;
  /**
   * Says that the run read a file the user named (the VM description, a key file, an existing
   * disk image): a resumed run refuses to go on when one changed. Fingerprinted at once (whole
   * SHA-256 up to 16 MiB; size, mtime, inode and the first and last MiB above).
   */
  recordInput(path: string, what: string): Promise<void>;
  /** Aborted when the run is asked to stop (Ctrl-C); a long stage may stop early and undo its step. */
  readonly signal: AbortSignal;
  /**
   * When this run resumes one that was killed: the effects this stage had started then and never
   * finished (a disk image being made, a driver being bound). The stage checks their result
   * instead of trusting or simply repeating them. Empty otherwise.
   */
  readonly interruptedEffects: readonly EffectRecord[];
}

export interface PreflightContext {
  readonly input: RunInput;
  readonly host: HostRoot;
  readonly storage: StorageManager;
  readonly plugins: readonly PluginManifest[];
  isDryRun(): boolean;
  /**
   * Names the run (the VM) before the first stage, so run-start hooks know it (a lock per VM).
   * Optional in the type for hand-made contexts; the kernel always provides it.
   */
  setRunName?(name: string): void;
  /** As `StageContext.recordInput`. */
  recordInput?(path: string, what: string): Promise<void>;
}

export interface PluginSetupApi {
  registerPreStageHook(hook: StageHook): void;
  registerPostStageHook(hook: StageHook): void;
  events: EventManager;
  storage: StorageManager;
  /** Read access to the whole session, for hooks that checkpoint it (recovery). */
  session?: SessionView;
  /** For hooks that speak to the person outside any stage. */
  ui?: UIManager;
  isDryRun?(): boolean;
  /** After every preflight check, before the first stage. */
  registerRunStartHook?(hook: RunStartHook): void;
  /** When the run is over: done, failed or interrupted. */
  registerRunEndHook?(hook: RunEndHook): void;
  /** Told before and after every effect that cannot simply be repeated (see `EffectEvent`). */
  observeEffects?(observer: EffectObserver): void;
  /** The run so far: stages, effects, artifacts (with hashes), inputs. */
  report?(): RunReport;
}

/** The session as a hook sees it: plain data, no writes. */
export type SessionView = Pick<SessionStore, "snapshot" | "keys" | "has" | "entries">;

export interface StageContextParts {
  stageId: string;
  plugin: string;
  /** Value keys the stage declares in `writes`. */
  declaredWrites: ReadonlySet<string>;
  /** Collection keys the stage declares in `adds`; when absent, `declaredWrites` covers both. */
  declaredAdds?: ReadonlySet<string>;
  declaredReads: ReadonlySet<string>;
  session: SessionStore;
  input: RunInput;
  ui: StageUi;
  effects: Effects;
  host: HostRoot;
  storage: StorageManager;
  plugins: readonly PluginManifest[];
  events: EventManager;
  artifacts: ArtifactStore;
  dryRun: boolean;
  onHostUnfit(reason: string): void;
  /** Says why a key has no value yet (which stage writes it and what became of it). */
  explainMissing?(key: string): string | undefined;
  inputs?: InputLog;
  signal?: AbortSignal;
  interruptedEffects?: readonly EffectRecord[];
}

export function createStageContext(parts: StageContextParts): StageContext {
  const { session, stageId } = parts;
  const declaredAdds = parts.declaredAdds ?? parts.declaredWrites;
  const mayRead = (name: string): boolean => parts.declaredReads.has(name) || parts.declaredWrites.has(name) || declaredAdds.has(name);
  const undeclared = (verb: string, name: string): VmforgeError =>
    new VmforgeError("E_SESSION_UNDECLARED", `Stage ${stageId} ${verb} session.${name} without declaring it in its manifest.`, {
      why: "The stage order comes from declared reads and writes; an undeclared access could run in the wrong order.",
      fix: `Add "${name}" to the stage's ${verb === "reads" ? "reads" : verb === "writes" ? "writes" : "adds"} in ${parts.plugin}'s manifest (a plugin bug).`,
    });
  return {
    stageId,
    plugin: parts.plugin,
    input: parts.input,
    ui: parts.ui,
    effects: parts.effects,
    host: parts.host,
    storage: parts.storage,
    plugins: parts.plugins,
    isDryRun: () => parts.dryRun,
    get<T>(key: SessionKey<T>): T {
      if (!mayRead(key.name)) throw undeclared("reads", key.name);
      const value = session.get(key);
      if (value === undefined) {
        throw new VmforgeError("E_SESSION_MISSING", `Stage ${stageId} needs session.${key.name}, but no stage has written it in this run.`, {
          why: parts.explainMissing?.(key.name) ?? "The stage that writes it was skipped (its condition was false), not selected, or failed.",
          fix: "Run `vmforge stages` to see which stage writes it and why it did not run.",
        });
      }
      return value;
    },
    tryGet<T>(key: SessionKey<T>): T | undefined {
      if (!mayRead(key.name)) throw undeclared("reads", key.name);
      return session.get(key);
    },
    items<T>(key: CollectionKey<T>): T[] {
      if (!mayRead(key.name)) throw undeclared("reads", key.name);
      return session.get(key);
    },
    set<T>(key: SessionKey<T>, value: T): T {
      if (!parts.declaredWrites.has(key.name)) throw undeclared("writes", key.name);
      return session.set(key, value, stageId);
    },
    add<T>(key: CollectionKey<T>, item: T): T {
      if (!declaredAdds.has(key.name)) throw undeclared("adds to", key.name);
      return session.add(key, item, stageId);
    },
    dispatch: (name, payload) => parts.events.dispatch(name, payload),
    setRunName: (name) => parts.artifacts.setRunName(name),
    get runName() {
      return parts.artifacts.runName;
    },
    writeArtifact: (name, data, options) => parts.artifacts.write(parts.effects, stageId, name, data, options),
    artifactPath: (name) => parts.artifacts.pathOf(name),
    markHostUnfit: (reason) => parts.onHostUnfit(reason),
    recordInput: async (path, what) => void (await parts.inputs?.record(path, what, stageId)),
    signal: parts.signal ?? new AbortController().signal,
    interruptedEffects: parts.interruptedEffects ?? [],
  };
}
