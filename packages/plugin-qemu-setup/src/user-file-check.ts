import { stat } from "node:fs/promises";
import { describeFileType, formatBytes } from "@vmforge/kernel";

export interface UserFileFault {
  /** E_FILE_NOT_REGULAR, E_FILE_TOO_LARGE, E_FILE_UNREADABLE, or `missingCode` for a path with nothing there. */
  code: string;
  message: string;
  /** What is at the path: "a character device", "80 MiB". */
  received: string;
  fix: string;
}

/**
 * Whether a file the user named can be read later with a bound: a regular file of at most
 * `maxBytes`. Only stat(2) is called, so a FIFO or device is judged without being opened;
 * the read itself (readBoundedFile) checks again.
 */
export async function userFileFault(path: string, maxBytes: number, missingCode: string): Promise<UserFileFault | undefined> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { code: missingCode, message: `${path} does not exist`, received: "nothing (no such file)", fix: "Correct the path (a relative path starts at the TOML file's folder)." };
    return { code: "E_FILE_UNREADABLE", message: `${path} cannot be read: ${(error as Error).message}`, received: "a path that cannot be read", fix: "Check the path and its permissions." };
  }
  if (!stats.isFile()) {
    const kind = describeFileType(stats);
    return { code: "E_FILE_NOT_REGULAR", message: `${path} is ${kind}, not a regular file`, received: kind, fix: "Give the path of a regular file (not a pipe, device or folder)." };
  }
  if (stats.size > maxBytes) {
    return { code: "E_FILE_TOO_LARGE", message: `${path} is ${formatBytes(stats.size)}; vmforge reads at most ${formatBytes(maxBytes)} of it`, received: formatBytes(stats.size), fix: "Check that the path names the file you meant." };
  }
  return undefined;
}
