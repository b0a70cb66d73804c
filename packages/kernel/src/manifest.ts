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
  /**
   * A commented TOML snippet for these tables; `vmforge init` joins the installed plugins'
   * snippets, and passes the installed plugins (e.g. to list their `guests`).
   */
  template?: (context?: { plugins: readonly PluginManifest[] }) => Promise<string>;
}

/** A run of the pipeline a plugin command asks the program that runs it for (`vmforge resume`). */
export interface WorkflowRequest {
  /** `plan` (true) or `apply` (false). */
  dryRun: boolean;
  /** The VM description, absolute. */
  configPath: string;
  outputDir?: string;
  /** Optional stages asked for by name (`--with`). */
  include?: string[];
  /** The run's switches (`input.flags`). */
  flags?: Record<string, unknown>;
  resume?: import("./run-hooks.js").ResumeState;
}

/** What a plugin command gets: the kernel (host root, storage, dry run) and the output streams. */
export interface CommandContext {
  kernel: import("./kernel.js").Kernel;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  json: boolean;
  cwd: string;
  /**
   * Runs the pipeline as `vmforge plan` / `apply` would (the project's plugins, the same output,
   * `plan.json`, Ctrl-C handling), with the command's global options; returns the exit code.
   * Optional in the type for hand-made contexts; the CLI always provides it.
   */
  runWorkflow?(request: WorkflowRequest): Promise<number>;
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

/** A switch a plugin adds to `vmforge plan` and `apply` (`--wait`); it arrives in `input.flags`. */
export interface PluginFlag {
  /** The option without dashes, lowercase words joined by `-`: `wait` is `--wait`, `input.flags.wait`. */
  name: string;
  description: string;
}

export interface PluginManifest {
  name: string;
  version: string;
  description: string;
  stages: StageDeclaration[];
  config?: ConfigDeclaration;
  commands?: PluginCommand[];
  /** Boolean switches for `plan` and `apply`; `--a-b` becomes `input.flags.aB`. */
  flags?: PluginFlag[];
  /** The `vm.guest` values this plugin prepares (`["windows"]`): listed by `vmforge init`, offered for a typo. */
  guests?: string[];
  /**
   * The kernel API level the plugin is written for (`KERNEL_API` of the kernel it was built
   * against); absent means 1. The CLI refuses a plugin whose level the installed kernel lacks.
   */
  kernelApi?: number;
}

export interface Plugin extends PluginManifest {
  /** Runs for every plugin before the first stage; every problem of every plugin is reported together. */
  preflightCheck?: (ctx: PreflightContext) => Promise<Problem[] | void> | Problem[] | void;
  /** Registers hooks and event handlers; called once when the kernel takes the plugin. */
  setup?: (api: PluginSetupApi) => void | Promise<void>;
}

const STAGE_ID = /^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/;
const FLAG_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const GUEST_NAME = /^[a-z][a-z0-9-]*$/;

/** Declares a plugin; checks the shape early so a plugin author sees mistakes at import. */
export function definePlugin<P extends Plugin>(plugin: P): P {
  if (!plugin.name) throw new TypeError("definePlugin: name is required");
  if (plugin.kernelApi !== undefined && !(Number.isInteger(plugin.kernelApi) && plugin.kernelApi > 0)) {
    throw new TypeError(`definePlugin(${plugin.name}): kernelApi must be a positive integer (the KERNEL_API the plugin is written for), not ${String(plugin.kernelApi)}`);
  }
  for (const stage of plugin.stages) {
    if (!STAGE_ID.test(stage.id)) throw new TypeError(`definePlugin(${plugin.name}): stage id "${stage.id}" must look like prefix:verb_noun`);
    if (typeof stage.load !== "function") throw new TypeError(`definePlugin(${plugin.name}): stage ${stage.id} needs a load() that imports its module`);
  }
  for (const guest of plugin.guests ?? []) {
    if (!GUEST_NAME.test(guest)) throw new TypeError(`definePlugin(${plugin.name}): guest "${guest}" must be lowercase letters, digits and - (a vm.guest value)`);
  }
  for (const flag of plugin.flags ?? []) {
    if (!FLAG_NAME.test(flag.name)) throw new TypeError(`definePlugin(${plugin.name}): flag "${flag.name}" must be lowercase words joined by -`);
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
