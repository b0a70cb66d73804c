import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { fsFault } from "./fs-faults.js";

/**
 * `--out DIR` (or `--save-snapshot DIR`) must be a folder vmforge can write, or a path where one
 * can be made. Checked before plugins load and before any stage, so a typo costs nothing: exit
 * code 2 with the path and a fix.
 */
export async function checkOutputDir(dir: string, option: string): Promise<void> {
  let existing = dir;
  for (;;) {
    let stats;
    try {
      stats = await stat(existing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a file above it; walking up finds which and says so.
      if ((code === "ENOENT" || code === "ENOTDIR") && dirname(existing) !== existing) {
        existing = dirname(existing);
        continue;
      }
      throw badOutput(dir, option, error);
    }
    if (!stats.isDirectory()) {
      throw new VmforgeError("E_OUT_NOT_A_FOLDER", existing === dir ? `${option} ${dir} is a file, not a folder.` : `${option} ${dir} cannot be made: ${existing} is a file, not a folder.`, {
        exitCode: ExitCode.usage,
        why: `${option} names the folder vmforge writes its files into.`,
        fix: `Give a folder (it is made when missing), or move ${existing} away.`,
      });
    }
    break;
  }
  try {
    // The folder itself, or the nearest folder above it in which it will be made.
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw badOutput(dir, option, error, existing);
  }
}

function badOutput(dir: string, option: string, error: unknown, folder = dir): VmforgeError {
  const fault = fsFault(error, `${folder}/.`);
  return new VmforgeError("E_OUT_NOT_WRITABLE", `${option} ${dir} cannot be written${folder === dir ? "" : ` (it would be made in ${folder})`}: ${fault?.reason ?? (error as Error).message}.`, {
    exitCode: ExitCode.usage,
    fix: fault?.fix ?? `Choose another folder for ${option}.`,
    cause: error,
  });
}
