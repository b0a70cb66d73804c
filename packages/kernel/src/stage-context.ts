import type { ArtifactStore, Artifact } from "./artifacts.js";
import type { Effects, WriteFileOptions } from "./effects.js";
import { VmforgeError } from "./errors.js";
import type { EventManager, EventName, EventPayload } from "./events.js";
import type { HostRoot } from "./host-root.js";
import type { PluginManifest } from "./manifest.js";
import type { CollectionKey, SessionKey, SessionStore } from "./session.js";
import type { StorageManager } from "./storage.js";
import type { StageUi, UIManager } from "./ui.js";
import type { StageHook } from "./stage-manager.js";

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
}

export interface PreflightContext {
  readonly input: RunInput;
  readonly host: HostRoot;
  readonly storage: StorageManager;
  readonly plugins: readonly PluginManifest[];
  isDryRun(): boolean;
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
}

/** The session as a hook sees it: plain data, no writes. */
export type SessionView = Pick<SessionStore, "snapshot" | "keys" | "has">;

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
  };
}
