import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ExitCode, VmforgeError } from "@vmforge/kernel";

const FIX = "Give the folder of a host snapshot (`vmforge check --save-snapshot DIR` makes one on the machine to plan for), or leave out --host-root to read this machine.";

/**
 * `--host-root DIR`, absolute; a folder that is not there is refused here, before a run would
 * read an empty host and fail far from the cause ("OVMF not found").
 */
export function hostRootOption(hostRoot: string | undefined, cwd: string): { hostRoot?: string } {
  if (hostRoot === undefined) return {};
  const path = resolve(cwd, hostRoot);
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    throw new VmforgeError("E_HOST_ROOT_MISSING", `--host-root ${hostRoot}: no such folder (${path}).`, { exitCode: ExitCode.usage, fix: FIX });
  }
  if (!isFolder) throw new VmforgeError("E_HOST_ROOT_NOT_FOLDER", `--host-root ${hostRoot} is not a folder (${path}).`, { exitCode: ExitCode.usage, fix: FIX });
  return { hostRoot: path };
}
