/** Exit codes shared by every vmforge command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  hostUnfit: 3,
  /** Another run holds what this one needs (the VM's lock); try again later (sysexits' EX_TEMPFAIL). */
  busy: 75,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, as a shell reports it. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One thing wrong, located as precisely as we can. */
export interface Problem {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** Dotted key path in the user's config, e.g. `disk[1].size`. */
  keyPath?: string;
  expected?: string;
  received?: string;
  fix?: string;
  /** The offending source line, for a caret display. */
  sourceLine?: string;
}

export interface VmforgeErrorOptions {
  why?: string;
  fix?: string;
  exitCode?: ExitCode;
  problems?: Problem[];
  cause?: unknown;
}

/**
 * The one error type of vmforge. `code` is stable (documented, greppable); `why` and `fix`
 * speak to the user. Errors with exit code 2 or 3 are the user's to fix: no stack trace.
 */
export class VmforgeError extends Error {
  readonly code: string;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: ExitCode;
  readonly problems: Problem[];
  /** The stage whose run threw this error, set by the kernel when a stage fails. */
  readonly stage: string | undefined;
  /** The package of the plugin that declares that stage. */
  readonly plugin: string | undefined;
  readonly pluginVersion: string | undefined;

  constructor(code: string, message: string, options: VmforgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VmforgeError";
    this.code = code;
    this.why = options.why;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.problems = options.problems ?? [];
    this.stage = undefined;
    this.plugin = undefined;
    this.pluginVersion = undefined;
  }

  get isUserError(): boolean {
    return this.exitCode === ExitCode.usage || this.exitCode === ExitCode.hostUnfit;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      why: this.why,
      fix: this.fix,
      exitCode: this.exitCode,
      problems: this.problems,
      ...(this.stage === undefined ? {} : { stage: this.stage, plugin: this.plugin, pluginVersion: this.pluginVersion }),
    };
  }
}

/** Where a stage's error came from: the stage id and the plugin package that declares it. */
export interface StageAttribution {
  stage: string;
  plugin: string;
  pluginVersion?: string;
}

/**
 * Names the stage and plugin an error came from, unless it already names one (the stage that
 * threw first is the one to look at). Works on an error from another copy of the kernel too.
 */
export function attributeToStage(error: VmforgeError, where: StageAttribution): void {
  if (stageOf(error)) return;
  try {
    Object.assign(error, { stage: where.stage, plugin: where.plugin, pluginVersion: where.pluginVersion });
  } catch {
    // A frozen error keeps its own fields; the message still names the stage when the kernel wrote it.
  }
}

/** The stage and plugin an error is attributed to, if any. */
export function stageOf(error: unknown): StageAttribution | undefined {
  const fields = error as { stage?: unknown; plugin?: unknown; pluginVersion?: unknown } | null;
  if (typeof fields !== "object" || fields === null || typeof fields.stage !== "string" || typeof fields.plugin !== "string") return undefined;
  return { stage: fields.stage, plugin: fields.plugin, ...(typeof fields.pluginVersion === "string" ? { pluginVersion: fields.pluginVersion } : {}) };
}

/**
 * Adds advice to an error's fix (a hook that knows how to continue: `vmforge resume NAME`).
 * Works on an error from another copy of the kernel too.
 */
export function appendFix(error: VmforgeError, more: string): void {
  (error as { fix: string | undefined }).fix = error.fix ? `${error.fix} ${more}` : more;
}

export function isVmforgeError(value: unknown): value is VmforgeError {
  return value instanceof VmforgeError || (typeof value === "object" && value !== null && (value as { name?: unknown }).name === "VmforgeError" && typeof (value as { code?: unknown }).code === "string");
}

/** Several problems found in one pass become one error that lists them all. */
export function problemsError(code: string, message: string, problems: Problem[], options: Omit<VmforgeErrorOptions, "problems"> = {}): VmforgeError {
  return new VmforgeError(code, message, { exitCode: ExitCode.usage, ...options, problems });
}
