import { dirname } from "node:path";
import { ExitCode, VmforgeError, isVmforgeError } from "@vmforge/kernel";

/** What a failed file-system call means for the person, and what to do. */
export interface FsFault {
  reason: string;
  fix: string;
}

/** The errno codes a person can cause or fix: a full disk, a read-only mount, a file in the way. */
export function fsFault(error: unknown, path?: string): FsFault | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const folder = path === undefined ? "the folder" : dirname(path);
  const where = path === undefined ? "the path" : path;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return { reason: "permission denied", fix: `Make ${folder} writable for the user running vmforge${path === undefined ? "" : ` (\`ls -ld ${folder}\`)`}, or choose another folder.` };
    case "EROFS":
      return { reason: "the file system is mounted read-only", fix: "Choose a folder on a writable file system." };
    case "ENOSPC":
      return { reason: "no space is left on the device", fix: `Free space on the file system of ${folder} (\`df -h${path === undefined ? "" : ` ${folder}`}\`), or choose a folder on another one.` };
    case "EDQUOT":
      return { reason: "your disk quota is used up", fix: `Free space within your quota (\`quota -s\`), or choose a folder on another file system.` };
    case "ENOTDIR":
      return { reason: "a part of the path is a file, not a folder", fix: `Check the path: one of the folders above ${where} is a file. Move it away or choose another path.` };
    case "EEXIST":
      return { reason: "a file is in the way", fix: `Move ${where} away, or choose another path.` };
    case "EISDIR":
      return { reason: "it is a folder", fix: `Remove or rename the folder ${where}, or choose another path.` };
    case "ENAMETOOLONG":
      return { reason: "the path is too long", fix: "Choose a shorter path." };
    case "ELOOP":
      return { reason: "the path is a loop of symbolic links", fix: "Point the path at a real folder." };
    default:
      return undefined;
  }
}

/** A write that failed while running: exit code 1, with the path, the reason and a fix. */
export function writeFailure(error: unknown, path: string, what: string): VmforgeError {
  const fault = fsFault(error, path);
  return new VmforgeError("E_WRITE_FAILED", `Could not write ${what} ${path}: ${fault?.reason ?? (error as Error)?.message ?? String(error)}.`, {
    exitCode: ExitCode.failure,
    fix: fault?.fix ?? "Check the path, its permissions and the free space of its file system.",
    cause: error,
  });
}

/**
 * The kernel's write errors (E_WRITE_FAILED, E_MKDIR_FAILED) name the path but not what to do,
 * and a plain errno error from a file-system call would be reported as a bug: both become
 * errors with the reason and a fix. Anything else is returned as it is.
 */
export function explainFsError(error: unknown): unknown {
  if (isVmforgeError(error)) {
    if (error.fix) return error;
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    const fault = fsFault(cause, cause?.path);
    if (!fault) return error;
    return new VmforgeError(error.code, error.message, { exitCode: error.exitCode, problems: error.problems, why: error.why ?? `The file system said: ${fault.reason}.`, fix: fault.fix, cause });
  }
  const errno = error as NodeJS.ErrnoException | undefined;
  const fault = errno?.path ? fsFault(errno, errno.path) : undefined;
  if (!errno?.path || !fault) return error;
  return new VmforgeError("E_FILE_SYSTEM", `Could not ${verbOf(errno.syscall)} ${errno.path}: ${fault.reason}.`, { exitCode: ExitCode.failure, fix: fault.fix, cause: error });
}

function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case "mkdir":
      return "create the folder";
    case "open":
    case "write":
      return "write";
    case "rename":
    case "link":
      return "put in place";
    default:
      return syscall ? `${syscall}` : "use";
  }
}
