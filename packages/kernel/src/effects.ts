import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { resolve, relative, isAbsolute, sep } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { ExitCode, VmforgeError } from "./errors.js";
import type { HostRoot } from "./host-root.js";

export type EffectKind = "write-file" | "mkdir" | "run" | "sysfs-write";
/** `done`: carried out; `planned`: a dry run recorded it instead. */
export type EffectStatus = "done" | "planned" | "failed";

export interface EffectRecord {
  kind: EffectKind;
  status: EffectStatus;
  stage?: string;
  path?: string;
  command?: string[];
  value?: string;
  bytes?: number;
  description?: string;
  error?: string;
}

export interface WriteFileOptions {
  mode?: number;
  /** false: never replace an existing file (disk images, user files). */
  overwrite?: boolean;
  description?: string;
}

export interface RunOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  description?: string;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface EffectsOptions {
  dryRun: boolean;
  host: HostRoot;
  /** The folder the user asked for with `--out`: written even in a dry run. */
  outputDir?: string;
}

/**
 * The only way a stage changes the host. In a dry run every call is recorded as `planned`
 * and nothing happens, except writes inside the output folder the user asked for.
 */
export class EffectLog {
  readonly records: EffectRecord[] = [];
  constructor(readonly options: EffectsOptions) {}

  forStage(stage: string): Effects {
    return new Effects(this, stage);
  }

  isInsideOutputDir(path: string): boolean {
    const { outputDir } = this.options;
    if (!outputDir) return false;
    const rel = relative(resolve(outputDir), resolve(path));
    return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
  }
}

export class Effects {
  constructor(
    private readonly log: EffectLog,
    private readonly stage?: string,
  ) {}

  get dryRun(): boolean {
    return this.log.options.dryRun;
  }

  /** True when a write to `path` would really happen now. */
  willWrite(path: string): boolean {
    return !this.dryRun || this.log.isInsideOutputDir(path);
  }

  async writeFile(path: string, data: string | Uint8Array, options: WriteFileOptions = {}): Promise<EffectRecord> {
    const record = this.#record({ kind: "write-file", path: resolve(path), bytes: byteLength(data), description: options.description });
    if (!this.willWrite(path)) return record;
    try {
      await writeFileAtomic(resolve(path), data, { ...(options.mode === undefined ? {} : { mode: options.mode }), exclusive: options.overwrite === false });
      record.status = "done";
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new VmforgeError("E_FILE_EXISTS", `${path} already exists; vmforge never replaces it.`, {
          exitCode: ExitCode.usage,
          fix: "Move the existing file away, or point the config at it as an existing path.",
        });
      }
      throw new VmforgeError("E_WRITE_FAILED", `Could not write ${path}: ${(error as Error).message}`, { cause: error });
    }
    return record;
  }

  async mkdir(path: string, description?: string): Promise<EffectRecord> {
    const record = this.#record({ kind: "mkdir", path: resolve(path), description });
    if (!this.willWrite(path)) return record;
    try {
      await mkdir(resolve(path), { recursive: true });
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      throw new VmforgeError("E_MKDIR_FAILED", `Could not make the folder ${path}: ${(error as Error).message}`, { cause: error });
    }
    record.status = "done";
    return record;
  }

  /** Runs a program with an argument array (never a shell). In a dry run returns undefined. */
  async run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult | undefined> {
    const record = this.#record({ kind: "run", command: [file, ...args], description: options.description });
    if (this.dryRun) return undefined;
    const result = await runProgram(file, args, options);
    record.status = result.exitCode === 0 ? "done" : "failed";
    if (result.exitCode !== 0) record.error = result.stderr.trim().split("\n").slice(-3).join("\n");
    return result;
  }

  /** Writes a sysfs attribute below the host root (a writable snapshot copy in tests). */
  async writeSysfs(hostPath: string, value: string, description?: string): Promise<EffectRecord> {
    if (!isAbsolute(hostPath)) throw new TypeError(`writeSysfs needs an absolute host path, got ${hostPath}`);
    const record = this.#record({ kind: "sysfs-write", path: hostPath, value, description });
    if (this.dryRun) return record;
    try {
      await writeFile(this.log.options.host.path(hostPath), value);
      record.status = "done";
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      throw new VmforgeError("E_SYSFS_WRITE", `Could not write "${value}" to ${hostPath}: ${(error as Error).message}`, {
        fix: "Run `vmforge apply` as root, or bind the driver at boot with the kernel parameters the plan prints.",
        cause: error,
      });
    }
    return record;
  }

  #record(fields: Omit<EffectRecord, "status" | "stage">): EffectRecord {
    const record: EffectRecord = { ...stripUndefined(fields), status: "planned", ...(this.stage ? { stage: this.stage } : {}) } as EffectRecord;
    this.log.records.push(record);
    return record;
  }
}

export function runProgram(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : process.env, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => resolvePromise({ exitCode: 127, stdout, stderr: stderr + error.message }));
    child.on("close", (code) => resolvePromise({ exitCode: code ?? 1, stdout, stderr }));
    if (child.stdin) {
      // A program that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input);
    }
  });
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
