import { hostname } from "node:os";
import { dirname } from "node:path";
import { lstat, rm, stat, unlink } from "node:fs/promises";
import { ExitCode, VmforgeError, interruptedError, removeFileDurably, stopSignalOf, writeFileAtomic, type UIManager } from "@vmforge/kernel";
import { RecoveryCode } from "./error-codes.js";
import { readLock, serializeLock, type LockOwner } from "./lock-file.js";
import { FILE_MODE, ensurePrivateFolder } from "./private-folder.js";
import { bootId, isRunning, processFacts } from "./process-identity.js";
import { stopProgramsOfRun, type Orphan } from "./orphans.js";

const WAIT_POLL_MS = 200;
/** A takeover marker older than this belongs to a run that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;

export interface LockRequest {
  path: string;
  vm: string;
  dryRun: boolean;
  runId: string;
  /** Wait while another run holds it (`--wait`), instead of stopping at once. */
  wait: boolean;
  /** How to run the same command with --wait, for the message. */
  retryHint: string;
  /** This run resumes one (then the dead owner is most likely the run it resumes). */
  resuming: boolean;
  signal: AbortSignal;
  ui: UIManager | undefined;
}

/** A lock this process holds. */
export class HeldLock {
  constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Removes the lock if it is still ours (a run that judged us dead may have taken it: then it is theirs). */
  async release(): Promise<void> {
    const current = await readLock(this.path).catch(() => undefined);
    if (current?.owner.runId === this.owner.runId) await removeFileDurably(this.path);
  }
}

export async function ownerOfThisProcess(request: Pick<LockRequest, "vm" | "dryRun" | "runId">): Promise<LockOwner> {
  return {
    schemaVersion: 1,
    vm: request.vm,
    dryRun: request.dryRun,
    pid: process.pid,
    startTime: (await processFacts(process.pid))?.startTime ?? null,
    bootId: (await bootId()) ?? null,
    host: hostname(),
    command: ["vmforge", ...process.argv.slice(2)].join(" "),
    runId: request.runId,
    since: new Date().toISOString(),
  };
}

/**
 * One run per VM: the lock file is made whole beside its name and linked into place, which
 * fails when one is there. A live owner stops this run at once (E_RUN_BUSY, exit 75) or, with
 * `wait`, is waited for. A dead owner's lock (its PID gone, the PID now another process's, or
 * from before a reboot) is taken over with a warning, after the programs the dead run left
 * running are stopped.
 */
export async function acquireLock(request: LockRequest): Promise<HeldLock> {
  const owner = await ownerOfThisProcess(request);
  try {
    await ensurePrivateFolder(dirname(request.path));
  } catch (error) {
    throw lockWriteFailed(request.path, error);
  }
  let toldWaiting = false;
  for (;;) {
    try {
      await writeFileAtomic(request.path, serializeLock(owner), { mode: FILE_MODE, exclusive: true });
      return new HeldLock(request.path, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw lockWriteFailed(request.path, error);
    }
    const held = await readLock(request.path);
    if (!held) continue;
    const verdict = await judge(held.owner);
    if (verdict === "stale") {
      await takeOver(request, held);
      continue;
    }
    if (!request.wait) throw busy(request, held.owner, verdict);
    if (!toldWaiting) {
      toldWaiting = true;
      request.ui?.sendMessage({ type: "Info", text: `Waiting for ${describeOwner(held.owner)} to finish with ${request.vm}...` });
    }
    await pause(WAIT_POLL_MS, request.signal);
  }
}

type Verdict = "alive" | "stale" | "elsewhere";

async function judge(owner: LockOwner): Promise<Verdict> {
  if (owner.host !== hostname()) return "elsewhere";
  const ourBoot = await bootId();
  if (owner.bootId && ourBoot && owner.bootId !== ourBoot) return "stale";
  if (!(await isRunning(owner.pid))) return "stale";
  const facts = await processFacts(owner.pid);
  if (owner.startTime !== null && facts && facts.startTime !== owner.startTime) return "stale";
  return "alive";
}

/**
 * Two runs may find the same dead owner at once: a takeover marker made exclusively lets one
 * of them remove the lock, and only the very lock it judged (same inode and run id).
 */
async function takeOver(request: LockRequest, stale: { owner: LockOwner; ino: number }): Promise<void> {
  const marker = `${request.path}.takeover`;
  try {
    await writeFileAtomic(marker, `${process.pid}\n`, { mode: FILE_MODE, exclusive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const age = await stat(marker).then((stats) => Date.now() - stats.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MS) await rm(marker, { force: true });
    else await pause(50, request.signal);
    return;
  }
  try {
    const current = await lstat(request.path).catch(() => undefined);
    if (current?.ino !== stale.ino) return;
    const orphans = await stopProgramsOfRun(stale.owner.runId);
    await unlink(request.path).catch(() => undefined);
    request.ui?.sendMessage({
      type: "Warn",
      code: RecoveryCode.staleLock,
      text: `The lock of ${request.vm} was left by ${describeOwner(stale.owner)}, which is no longer running; this run takes it over.${describeOrphans(orphans)}`,
      ...(request.resuming ? {} : { fix: "A run that was killed can be continued instead of started over: `vmforge resume` lists what can be." }),
    });
  } finally {
    await rm(marker, { force: true });
  }
}

function describeOrphans(orphans: Orphan[]): string {
  if (orphans.length === 0) return "";
  return ` It had left ${orphans.length} program${orphans.length === 1 ? "" : "s"} running, now stopped: ${orphans.map(({ pid, command }) => `${pid} (${command.slice(0, 200)})`).join("; ")}.`;
}

export function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} (${JSON.stringify(owner.command.slice(0, 300))}, since ${owner.since}${owner.host !== hostname() ? `, on ${owner.host}` : ""})`;
}

function busy(request: LockRequest, owner: LockOwner, verdict: Verdict): VmforgeError {
  return new VmforgeError(RecoveryCode.busy, `${request.vm} is being ${request.dryRun ? "planned" : "set up"} by another vmforge run: ${describeOwner(owner)}.`, {
    exitCode: ExitCode.busy,
    why: "One run per VM at a time: two would both create its disk images and write the same files, and the result would mix their requests.",
    fix:
      verdict === "elsewhere"
        ? `Wait for it to end on ${owner.host}, or run \`${request.retryHint}\` to wait for it. If no vmforge runs there any more, delete ${request.path}.`
        : `Wait for it to end, or run \`${request.retryHint}\` to wait for it. If pid ${owner.pid} is not vmforge (\`ps -p ${owner.pid} -o args\`), delete ${request.path}.`,
  });
}

/** A lock that cannot be written (a read-only or full data folder): the run does not start without it. */
function lockWriteFailed(path: string, error: unknown): VmforgeError {
  if (error instanceof VmforgeError) return error;
  return new VmforgeError(RecoveryCode.lockWrite, `Could not take the lock ${path}: ${(error as Error).message}`, {
    why: "A run holds its VM's lock from its first stage to its end, so that no other run of the VM mixes in; it does not start without it.",
    fix: `Check that ${dirname(path)} can be written (\`ls -ld\`, \`df -h\`), or set VMFORGE_DATA_HOME to a folder of yours.`,
    cause: error,
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  const stopped = stopSignalOf(signal);
  if (stopped) return Promise.reject(interruptedError(stopped, "while waiting for another run of the VM"));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interruptedError(stopSignalOf(signal) ?? "SIGINT", "while waiting for another run of the VM"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
