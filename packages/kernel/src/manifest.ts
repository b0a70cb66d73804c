import { readFileSync } from "node:fs";
import type { Problem } from "./errors.js";
import type { StageContext, PreflightContext, PluginSetupApi } from "./stage-context.js";
import type { SchemaLike } from "./session.js";

/** A session key a stage reads. `optional` reads run without the value when no installed plugin writes it. */
export interface SessionRead {
  key: string;
  optional?: boolean;
  /** The package that provides the key, named in the error when none is installed. */
  provider?: string;
}

export interface StageModule {
  run(ctx: StageContext): Promise<void> | void;
}

/**
 * A stage as the manifest declares it: plain data plus a lazy loader, so listing plugins or
 * ordering stages never imports a stage's code or its dependencies.
 */
export interface StageDeclaration {
  /** `prefix:verb_noun`, e.g. `env_check:gather_cpu_info`. */
  id: string;
  description: string;
  dependsOn?: string[];
  reads?: Array<string | SessionRead>;
  /** Session keys this stage writes; one writer per key. */
  writes?: string[];
  /** Collection keys this stage adds items to; any number of stages may add. */
  adds?: string[];
  /** Runs only when asked (`--with ID`) or when `when` says so. */
  optional?: boolean;
  /** Decided just before the stage would run; false skips it. */
  when?: (ctx: StageContext) => boolean | Promise<boolean>;
  load: () => Promise<StageModule>;
}

/** The TOML table a plugin owns, with its schema loaded only when a config is checked. */
export interface ConfigDeclaration {
  /** Top-level table names this plugin owns, e.g. `["linux"]`. */
  tables: string[];
  schema: () => Promise<SchemaLike<unknown>>;
  /** A commented TOML snippet for these tables; `vmforge init` joins the installed plugins' snippets. */
  template?: () => Promise<string>;
}

/** What a plugin command gets: the kernel (host root, storage, dry run) and the output streams. */
export interface CommandContext {
  kernel: import("./kernel.js").Kernel;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  json: boolean;
  cwd: string;
}

export interface CommandModule {
  /** Returns the exit code; throws VmforgeError for user errors. */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/** A command a plugin adds to `vmforge`, e.g. `vmforge vfio undo NAME`; loaded only when run. */
export interface PluginCommand {
  /** The words after `vmforge`: "vfio undo". */
  name: string;
  summary: string;
  usage: string;
  load: () => Promise<CommandModule>;
}

export interface PluginManifest {
  name: string;
  version: string;
  description: string;
  stages: StageDeclaration[];
  config?: ConfigDeclaration;
  commands?: PluginCommand[];
}

export interface Plugin extends PluginManifest {
  /** Runs for every plugin before the first stage; every problem of every plugin is reported together. */
  preflightCheck?: (ctx: PreflightContext) => Promise<Problem[] | void> | Problem[] | void;
  /** Registers hooks and event handlers; called once when the kernel takes the plugin. */
  setup?: (api: PluginSetupApi) => void | Promise<void>;
}

const STAGE_ID = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/;

/** Declares a plugin; checks the shape early so a plugin author sees mistakes at import. */
export function definePlugin<P extends Plugin>(plugin: P): P {
  if (!plugin.name) throw new TypeError("definePlugin: name is required");
  for (const stage of plugin.stages) {
    if (!STAGE_ID.test(stage.id)) throw new TypeError(`definePlugin(${plugin.name}): stage id "${stage.id}" must look like prefix:verb_noun`);
    if (typeof stage.load !== "function") throw new TypeError(`definePlugin(${plugin.name}): stage ${stage.id} needs a load() that imports its module`);
  }
  return Object.freeze(plugin);
}

/** Name and version from the package.json next to a module's `src/` or `dist/` folder. */
export function packageInfo(moduleUrl: string): { name: string; version: string; description: string } {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", moduleUrl), "utf8")) as { name: string; version: string; description?: string };
  return { name: pkg.name, version: pkg.version, description: pkg.description ?? "" };
}

export function normalizeRead(read: string | SessionRead): SessionRead {
  return typeof read === "string" ? { key: read } : read;
}
