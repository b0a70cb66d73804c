import { stat } from "node:fs/promises";
import { FileReadError, ReadLimits, describeFileType, formatBytes, readBoundedText, type FileReadFault, type Problem } from "@vmforge/kernel";

/** How much of each file [linux] names is read, at most. */
export const LinuxFileLimits = {
  userData: ReadLimits.document,
  keyFile: ReadLimits.key,
} as const;

export type LinuxFileRead = { ok: true; text: string } | { ok: false; fault: FileReadFault; problem: Pick<Problem, "message" | "received" | "expected" | "fix"> };

/**
 * A file named in [linux], read only when it is a regular file of at most `maxBytes`: a FIFO is
 * never opened (it would block the run), a device never read (/dev/zero never ends).
 */
export async function readLinuxFile(path: string, maxBytes: number, what: string): Promise<LinuxFileRead> {
  try {
    return { ok: true, text: await readBoundedText(path, { maxBytes, what }) };
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    return {
      ok: false,
      fault: error.fault,
      problem: {
        message: `cannot read ${what} ${path}: ${await faultText(path, error, maxBytes)}`,
        received: await received(path, error, maxBytes),
        expected: `a regular file of at most ${formatBytes(maxBytes)}`,
        fix: error.fault === "unreadable" ? "Make the file readable for the user running vmforge." : "Correct the path (a relative path is taken from the TOML file's folder); it must name a regular file, not a pipe, device or folder.",
      },
    };
  }
}

async function faultText(path: string, error: FileReadError, maxBytes: number): Promise<string> {
  if (error.fault === "missing") return "no such file";
  if (error.fault === "not-regular") return `it is ${await kindOf(path)}, not a regular file`;
  if (error.fault === "too-large") return `it is larger than ${formatBytes(maxBytes)}`;
  return error.message;
}

async function received(path: string, error: FileReadError, maxBytes: number): Promise<string> {
  if (error.fault === "missing") return "nothing (no such file)";
  if (error.fault === "not-regular") return kindOf(path);
  if (error.fault === "too-large") return `more than ${formatBytes(maxBytes)}`;
  return "a file that cannot be read";
}

function kindOf(path: string): Promise<string> {
  return stat(path).then(describeFileType, () => "not a regular file");
}
