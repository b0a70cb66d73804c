import { ExitCode, PrivateFileRefused, VmforgeError, readPrivateFile } from "@vmforge/kernel";
import { RecoveryCode } from "./error-codes.js";

/** Who holds a VM's lock: enough to tell a live owner from a dead one, and to name it. */
export interface LockOwner {
  schemaVersion: 1;
  vm: string;
  dryRun: boolean;
  pid: number;
  /** Clock ticks after boot (/proc/PID/stat field 22): tells the owner from a later process with its PID. */
  startTime: number | null;
  /** /proc/sys/kernel/random/boot_id: a lock from before a reboot is stale. */
  bootId: string | null;
  /** The machine (a data folder on a network share may be seen by several). */
  host: string;
  /** The command line, for the person who finds the VM busy. */
  command: string;
  /** VMFORGE_RUN_ID of the programs it starts. */
  runId: string;
  since: string;
}

const MAX_LOCK_BYTES = 64 * 1024;

export function serializeLock(owner: LockOwner): string {
  return `${JSON.stringify(owner, null, 1)}\n`;
}

/**
 * The lock at `path` with its inode (to remove exactly the file that was judged), undefined
 * when there is none. A lock that is not a regular file of yours, writable by you alone, is
 * E_LOCK_UNSAFE; one that is not a lock vmforge writes is E_LOCK_INVALID (both exit 2).
 */
export async function readLock(path: string): Promise<{ owner: LockOwner; ino: number } | undefined> {
  let read: Awaited<ReturnType<typeof readPrivateFile>>;
  try {
    read = await readPrivateFile(path, { maxBytes: MAX_LOCK_BYTES, what: "the lock" });
  } catch (error) {
    if (!(error instanceof PrivateFileRefused)) throw error;
    throw error.fault === "too-large" ? invalidLock(path, error.reason) : unsafeLock(path, error.reason);
  }
  if (read === undefined) return undefined;
  const text = read.bytes.toString("utf8");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalidLock(path, "it is not JSON");
  }
  const owner = parseOwner(document);
  if (!owner) throw invalidLock(path, "it is not a lock vmforge writes");
  return { owner, ino: read.stats.ino };
}

function parseOwner(value: unknown): LockOwner | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const isText = (item: unknown, max = 4096): item is string => typeof item === "string" && item.length <= max;
  const ok =
    v.schemaVersion === 1 &&
    isText(v.vm, 128) &&
    typeof v.dryRun === "boolean" &&
    Number.isSafeInteger(v.pid) &&
    (v.pid as number) > 0 &&
    (v.startTime === null || Number.isSafeInteger(v.startTime)) &&
    (v.bootId === null || isText(v.bootId, 64)) &&
    isText(v.host, 255) &&
    isText(v.command, 8192) &&
    isText(v.runId, 64) &&
    isText(v.since, 64) &&
    Object.keys(v).length === 10;
  return ok ? (v as unknown as LockOwner) : undefined;
}

function unsafeLock(path: string, why: string): VmforgeError {
  return new VmforgeError(RecoveryCode.lockUnsafe, `The lock ${path} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    why: "vmforge writes its locks itself, as you, with mode 0600; a lock anyone else can change could keep a run out, or let two in.",
    fix: `Look at it; when no vmforge run of this VM is going on (\`ps -ef | grep vmforge\`), delete ${path}.`,
  });
}

function invalidLock(path: string, why: string): VmforgeError {
  return new VmforgeError(RecoveryCode.lockInvalid, `The lock ${path} is not used: ${why}.`, {
    exitCode: ExitCode.usage,
    why: "vmforge writes a lock whole (a temporary file linked into place), so one it cannot read was written by something else.",
    fix: `When no vmforge run of this VM is going on (\`ps -ef | grep vmforge\`), delete ${path}.`,
  });
}
