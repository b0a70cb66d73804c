import { constants, type Stats } from "node:fs";
import { lstat, open, readlink, realpath, type FileHandle } from "node:fs/promises";
import { resolve, relative, isAbsolute, join, posix, sep } from "node:path";
import { localTarget, type EffectTarget, type HostEntryKind } from "./effect-target.js";
import { describeFileType } from "./bounded-read.js";
import { ExitCode, VmforgeError, isVmforgeError } from "./errors.js";
import type { HostRoot } from "./host-root.js";
import { interruptedError, stopSignalOf } from "./run-hooks.js";
import type { RunResult } from "./run-program.js";

export { runProgram, type RunResult } from "./run-program.js";

/** `download`: a plugin-supplied action that fetches `url` into `path` (the kernel holds no HTTP code). */
export type EffectKind = "write-file" | "mkdir" | "run" | "sysfs-write" | "download";
/** `done`: carried out; `planned`: a dry run recorded it instead. */
export type EffectStatus = "done" | "planned" | "failed";

export interface EffectRecord {
  kind: EffectKind;
  status: EffectStatus;
  stage?: string;
  path?: string;
  command?: string[];
  /** What a `download` fetches. */
  url?: string;
  value?: string;
  bytes?: number;
  description?: string;
  error?: string;
  /** Carried over from the earlier run this run resumed (it was done then, not now). */
  resumed?: true;
}

/**
 * `start` just before an effect that changes the host and cannot simply be repeated (a program
 * run, a sysfs write) is carried out, `end` once it is over (done or failed). A recovery plugin
 * records both, so a run killed in between knows which effect to check.
 */
export interface EffectEvent {
  phase: "start" | "end";
  record: EffectRecord;
}
export type EffectObserver = (event: EffectEvent) => void | Promise<void>;

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
  /**
   * Running the program twice does no harm (it only reads: `qemu-img info`). Effect observers
   * are not told about it. Every other program run is taken to change something.
   */
  idempotent?: boolean;
}

export interface DownloadRequest {
  /** Where from: recorded and shown as is (give it without secrets). */
  url: string;
  /** Where the downloaded file ends up. */
  path: string;
  /** The size when known (a plan may know it from a HEAD request). */
  bytes?: number;
  description?: string;
}

/** In the environment of every program a run starts, so a later run can find what a killed one left running. */
export const RUN_ID_VARIABLE = "VMFORGE_RUN_ID";

export interface EffectsOptions {
  dryRun: boolean;
  host: HostRoot;
  /** The folder the user asked for with `--out`: written even in a dry run. */
  outputDir?: string;
  /** Once aborted, no new effect starts (the interruption is thrown instead). */
  signal?: AbortSignal;
  /** Given to every program as VMFORGE_RUN_ID. */
  runId?: string;
  /** The machine the effects land on (by default this one); see {@link EffectTarget}. */
  target?: EffectTarget;
}

/**
 * The only way a stage changes the host. In a dry run every call is recorded as `planned`
 * and nothing happens, except writes inside the output folder the user asked for.
 */
export class EffectLog {
  readonly records: EffectRecord[] = [];
  readonly #observers: EffectObserver[] = [];
  constructor(readonly options: EffectsOptions) {}

  observe(observer: EffectObserver): void {
    this.#observers.push(observer);
  }

  /** Observers run in order and are awaited: an effect does not start before its `start` is recorded. */
  async notify(phase: EffectEvent["phase"], record: EffectRecord): Promise<void> {
    for (const observer of this.#observers) await observer({ phase, record });
  }

  /** Throws the interruption when the run was stopped: no new effect starts after Ctrl-C. */
  throwIfStopped(stage?: string): void {
    const signal = stopSignalOf(this.options.signal);
    if (signal) throw interruptedError(signal, stage ? `during ${stage}, before its next step` : "before the next step");
  }

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
      // A dry run's output is made anew by running it again: atomic, but not flushed to the disk.
      await this.#target.writeFile(resolve(path), data, { ...(options.mode === undefined ? {} : { mode: options.mode }), exclusive: options.overwrite === false, durable: !this.dryRun });
      record.status = "done";
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new VmforgeError("E_FILE_EXISTS", `${path} already exists${this.#where}; vmforge never replaces it.`, {
          exitCode: ExitCode.usage,
          fix: "Move the existing file away, or point the config at it as an existing path.",
        });
      }
      throw new VmforgeError("E_WRITE_FAILED", `Could not write ${path}${this.#where}: ${(error as Error).message}`, { cause: error, ...this.#permissionFix(error) });
    }
    return record;
  }

  async mkdir(path: string, description?: string): Promise<EffectRecord> {
    const record = this.#record({ kind: "mkdir", path: resolve(path), description });
    if (!this.willWrite(path)) return record;
    try {
      await this.#target.mkdir(resolve(path));
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      throw new VmforgeError("E_MKDIR_FAILED", `Could not make the folder ${path}${this.#where}: ${(error as Error).message}`, { cause: error, ...this.#permissionFix(error) });
    }
    record.status = "done";
    return record;
  }

  /** Runs a program with an argument array (never a shell). In a dry run returns undefined. */
  async run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult | undefined> {
    const record = this.#record({ kind: "run", command: [file, ...args], description: options.description });
    if (this.dryRun) return undefined;
    const observed = options.idempotent !== true;
    if (observed) await this.log.notify("start", record);
    const runId = this.log.options.runId;
    const { idempotent: _idempotent, ...spawnOptions } = options;
    const result = await this.#target.run(file, args, runId ? { ...spawnOptions, env: { ...options.env, [RUN_ID_VARIABLE]: runId } } : spawnOptions);
    record.status = result.exitCode === 0 ? "done" : "failed";
    if (result.exitCode !== 0) record.error = result.stderr.trim().split("\n").slice(-3).join("\n");
    if (observed) await this.log.notify("end", record);
    return result;
  }

  /** undefined when the effects land on this machine; otherwise the host they land on (`ssh://root@gpu-box`). */
  get remote(): string | undefined {
    return this.#target.remote;
  }

  /**
   * What is at `path` on the machine the effects land on (not following a last symlink): what a
   * stage checks before it writes there. Read only, so also in a dry run; recorded nowhere.
   */
  inspect(path: string, options: { follow?: boolean } = {}): Promise<HostEntryKind | undefined> {
    return this.#target.inspect(resolve(path), options);
  }

  /**
   * Gives a file the stage made under a temporary name (by a program it ran) its real name,
   * never over a file that appeared meanwhile (an error with code EEXIST). Part of the effect
   * that made it, so not recorded; nothing happens where nothing was written.
   */
  async moveIntoPlace(temporary: string, path: string): Promise<void> {
    if (!this.willWrite(path)) return;
    await this.#target.moveIntoPlace(resolve(temporary), resolve(path));
  }

  /** Removes a temporary file a stage's program left; no error when there is none. */
  async removeTemporary(path: string): Promise<void> {
    if (!this.willWrite(path)) return;
    await this.#target.remove(resolve(path)).catch(() => undefined);
  }

  /**
   * A file of this machine (a downloaded image in the cache) that the host needs at the same
   * path: copied there when the effects land on another machine (recorded as a write), nothing
   * to do on this one (undefined).
   */
  async share(path: string, bytes: number, description?: string): Promise<EffectRecord | undefined> {
    if (this.#target.remote === undefined) return undefined;
    const record = this.#record({ kind: "write-file", path: resolve(path), bytes, description: description ?? `copy of this machine's ${path}` });
    if (this.dryRun) return record;
    try {
      if ((await this.#target.inspect(resolve(path))) === "file") {
        record.status = "done";
        return record;
      }
      await this.#target.upload(resolve(path), bytes);
      record.status = "done";
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      throw new VmforgeError("E_WRITE_FAILED", `Could not copy ${path} to${this.#where}: ${(error as Error).message}`, { cause: error, ...this.#permissionFix(error) });
    }
    return record;
  }

  get #target(): EffectTarget {
    return this.log.options.target ?? localTarget;
  }

  /** " on ssh://..." when the effects land on another machine. */
  get #where(): string {
    return this.#target.remote === undefined ? "" : ` on ${this.#target.remote}`;
  }

  /** A target gives a refused write the code EACCES or EPERM (the SSH target too, from the remote's message). */
  #permissionFix(error: unknown): { fix?: string } {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") return {};
    return this.#target.remote === undefined
      ? { fix: "Run vmforge as a user who may write there (root, for the system folders), or choose another folder with --out." }
      : { fix: `Log in to ${this.#target.remote} as a user who may write there (ssh://root@..., or a user with rights to the folder), or choose a folder that user owns with --out.` };
  }

  /**
   * A download the stage carries out itself (`action`: the plugin's HTTP code): in a dry run it is
   * recorded as `planned` and `action` is not called (undefined is returned); live, observers are
   * told before and after, as for {@link run}, and the record ends `done` or `failed` (the error
   * is rethrown). `action` may set `record.bytes` once it knows the size.
   */
  async download<T>(request: DownloadRequest, action: (record: EffectRecord) => Promise<T>): Promise<T | undefined> {
    const record = this.#record({ kind: "download", url: request.url, path: resolve(request.path), bytes: request.bytes, description: request.description });
    if (this.dryRun) return undefined;
    await this.log.notify("start", record);
    try {
      const result = await action(record);
      record.status = "done";
      return result;
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error)?.message ?? String(error);
      throw error;
    } finally {
      await this.log.notify("end", record);
    }
  }

  /**
   * Writes an existing sysfs attribute below `/sys/bus/pci/` of the host root (a writable
   * snapshot copy in tests); see {@link checkSysfs} for what is refused. Nothing is ever
   * created. A dry run checks the path's shape only: the attribute may appear before the real
   * run writes it (`drivers/vfio-pci/*` once `modprobe vfio-pci` ran).
   */
  async writeSysfs(hostPath: string, value: string, description?: string): Promise<EffectRecord> {
    const record = this.#record({ kind: "sysfs-write", path: hostPath, value, description });
    let started = false;
    try {
      const normalized = sysfsPathOf(hostPath);
      checkSysfsValue(hostPath, value);
      if (this.dryRun) return record;
      if (this.#target.remote !== undefined) throw remoteSysfsRefusal(this.#target.remote, `vmforge does not write ${shown(hostPath)} on ${this.#target.remote}`);
      const host = this.log.options.host;
      const attribute = await locateAttribute(host, hostPath, normalized);
      await this.log.notify("start", record);
      started = true;
      await writeAttribute(host, hostPath, attribute, value);
      record.status = "done";
    } catch (error) {
      record.status = "failed";
      record.error = (error as Error).message;
      if (started) await this.log.notify("end", record);
      if (isVmforgeError(error)) throw error;
      throw new VmforgeError("E_SYSFS_WRITE", `Could not write ${shown(value)} to ${shown(hostPath)}: ${(error as Error).message}`, {
        fix: "Run `vmforge apply` as root, or bind the driver at boot with the kernel parameters the plan prints.",
        cause: error,
      });
    }
    await this.log.notify("end", record);
    return record;
  }

  /**
   * Everything {@link writeSysfs} checks before it opens the attribute, reading only (in a dry
   * run too): the path, normalised, lies below `/sys/bus/pci/`; resolved inside the host root
   * (`..` and symlinks, as `openat2(RESOLVE_IN_ROOT)` would) it is still inside the root's
   * `/sys/`; it names an existing regular file, not a symlink, with no other hard link.
   * Throws `E_SYSFS_PATH_REFUSED` or `E_SYSFS_NO_ATTRIBUTE` (exit code 2); records nothing.
   */
  async checkSysfs(hostPath: string): Promise<void> {
    await locateAttribute(this.log.options.host, hostPath, sysfsPathOf(hostPath));
  }

  #record(fields: Omit<EffectRecord, "status" | "stage">): EffectRecord {
    this.log.throwIfStopped(this.stage);
    const record: EffectRecord = { ...stripUndefined(fields), status: "planned", ...(this.stage ? { stage: this.stage } : {}) } as EffectRecord;
    this.log.records.push(record);
    return record;
  }
}

/** The one part of sysfs vmforge writes: PCI devices and their drivers. */
const SYSFS_WRITE_AREA = "/sys/bus/pci/";
/** The kernel takes at most a page per attribute write; paths are at most PATH_MAX. */
const MAX_SYSFS_VALUE = 4096;
const MAX_HOST_PATH = 4096;

interface Attribute {
  /** The attribute's file on this machine, every folder on the way resolved. */
  file: string;
  stats: Stats;
  /** The real path of the root's `/sys`, which the opened file must lie in. */
  sysfs: string;
}

/** The normalised host path, or a refusal when it is no path below `/sys/bus/pci/`. */
function sysfsPathOf(hostPath: string): string {
  if (typeof hostPath !== "string" || hostPath.includes("\0") || hostPath.length > MAX_HOST_PATH || !hostPath.startsWith("/")) {
    throw refused(hostPath, `it is not an absolute path of at most ${MAX_HOST_PATH} characters without NUL bytes`);
  }
  const normalized = posix.resolve("/", hostPath);
  if (!normalized.startsWith(SYSFS_WRITE_AREA)) throw refused(hostPath, `it ${normalized === hostPath ? "is" : `comes to ${shown(normalized)}, which is`} not below ${SYSFS_WRITE_AREA}`);
  return normalized;
}

function checkSysfsValue(hostPath: string, value: string): void {
  if (typeof value !== "string" || value.includes("\0") || Buffer.byteLength(value) > MAX_SYSFS_VALUE) {
    throw new VmforgeError("E_SYSFS_VALUE_REFUSED", `vmforge does not write ${shown(value)} to ${shown(hostPath)}: a sysfs value is text of at most ${MAX_SYSFS_VALUE} bytes without NUL bytes.`, {
      exitCode: ExitCode.usage,
      fix: "Check where the value came from (a plan or an undo journal vmforge did not write as it is).",
    });
  }
}

async function locateAttribute(host: HostRoot, hostPath: string, normalized: string): Promise<Attribute> {
  const sysfs = host.isLive ? "/sys" : join(host.root, "sys");
  const resolvedParent = await host.resolve(posix.dirname(normalized));
  if (resolvedParent === undefined) throw noAttribute(hostPath, "its folder does not exist (or is a loop of symlinks)");
  // The live root resolves nothing itself; there the real path does.
  const parent = host.isLive ? await realpath(resolvedParent).catch(() => undefined) : resolvedParent;
  if (parent === undefined) throw noAttribute(hostPath, "its folder does not exist");
  if (!isInside(sysfs, parent)) throw refused(hostPath, `it leads to ${shown(host.isLive ? parent : `/${relative(host.root, parent)}`)}, outside ${host.isLive ? "/sys" : "the host root's /sys"}`);
  const file = join(parent, posix.basename(normalized));
  let stats: Stats;
  try {
    stats = await lstat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw noAttribute(hostPath, "it does not exist");
    throw refused(hostPath, `it cannot be looked at: ${(error as Error).message}`);
  }
  if (!stats.isFile()) throw refused(hostPath, `it is ${describeFileType(stats)}, not an attribute file`);
  if (stats.nlink > 1) throw refused(hostPath, "it has other hard links, which a write would change too");
  return { file, stats, sysfs: host.isLive ? sysfs : join(await realpath(host.root), "sys") };
}

/**
 * Opens without O_CREAT (nothing is ever made) or O_TRUNC (nothing is cut before the checks),
 * never through a last symlink, and checks what was opened: the file the checks saw, and by
 * its real path (from /proc) inside the root's /sys, whatever was swapped in meanwhile.
 */
async function writeAttribute(host: HostRoot, hostPath: string, attribute: Attribute, value: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(attribute.file, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw noAttribute(hostPath, "it is gone");
    if (code === "ELOOP" || code === "ENXIO" || code === "EISDIR") throw refused(hostPath, "it changed into a symlink, a named pipe or a folder as it was opened");
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== attribute.stats.ino || opened.dev !== attribute.stats.dev || opened.nlink > 1) {
      throw refused(hostPath, "it was replaced while it was opened");
    }
    const real = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
    if (real !== undefined && !isInside(attribute.sysfs, real)) throw refused(hostPath, `it was opened as ${shown(real)}, outside /sys`);
    const bytes = Buffer.from(value);
    await handle.write(bytes, 0, bytes.length);
    // A sysfs attribute has no length to cut; a snapshot's file keeps only what was written, as a read of the attribute would.
    if (!host.isLive) await handle.truncate(bytes.length);
  } finally {
    await handle.close();
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function refused(hostPath: string, why: string): VmforgeError {
  return new VmforgeError("E_SYSFS_PATH_REFUSED", `vmforge does not write to ${shown(hostPath)}: ${why}.`, {
    exitCode: ExitCode.usage,
    why: `vmforge writes only existing attribute files below ${SYSFS_WRITE_AREA} that stay inside the host root's /sys, so a forged plan or journal cannot change any other file.`,
    fix: "Check where the path came from: a host root (--host-root) with planted symlinks or files, or an undo journal vmforge did not write as it is.",
  });
}

/**
 * E_REMOTE_SYSFS (exit 2): no sysfs write on another machine (`apply --host`). `refused` says
 * what was refused (a write, or `--bind-vfio` as a whole, which the CLI refuses before the run).
 */
export function remoteSysfsRefusal(remote: string, refused: string): VmforgeError {
  return new VmforgeError("E_REMOTE_SYSFS", `${refused}: driver binding is done on the machine itself, not over SSH (${remote}).`, {
    exitCode: ExitCode.usage,
    why: "Each sysfs write is checked against the attribute file it opens (no symlink, no hard link, inside /sys); that check needs the file on the machine that writes it.",
    fix: "Apply over SSH without --bind-vfio and bind at boot with the kernel parameters the plan prints, or run `vmforge apply --bind-vfio` on that host.",
  });
}

function noAttribute(hostPath: string, why: string): VmforgeError {
  return new VmforgeError("E_SYSFS_NO_ATTRIBUTE", `There is no sysfs attribute ${shown(hostPath)}: ${why}; vmforge never creates one.`, {
    exitCode: ExitCode.usage,
    fix: "Check that the device is still there and its driver module is loaded (`modprobe NAME`); with --host-root, that the snapshot has the attribute files.",
  });
}

/** A path or value from outside, quoted with control characters escaped and cut when long. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  const quoted = JSON.stringify(text);
  return quoted.length > 200 ? `${quoted.slice(0, 160)}…" (${text.length} characters)` : quoted;
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
