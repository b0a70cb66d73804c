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

  constructor(code: string, message: string, options: VmforgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VmforgeError";
    this.code = code;
    this.why = options.why;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.problems = options.problems ?? [];
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
    };
  }
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
