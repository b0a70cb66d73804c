import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ExitCode, VmforgeError } from "@vmforge/kernel";
import type { SshHost } from "@vmforge/ssh-host";
import type { GlobalOptions } from "./options.js";
import type { Io } from "./runtime.js";

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

/**
 * `--host ssh://...`: one SSH session to that machine, whose files fill a private host root
 * folder as the run reads them; `asRoot` (apply) runs as root there, through `sudo -n` for
 * another user. Not with --host-root (two hosts at once).
 */
export async function openRemoteHost(global: GlobalOptions, io: Io, options: { asRoot?: boolean } = {}): Promise<SshHost | undefined> {
  if (global.host === undefined) return undefined;
  if (global.hostRoot !== undefined) {
    throw new VmforgeError("E_USAGE", "--host and --host-root both name the host to read.", { exitCode: ExitCode.usage, fix: "Give one of them." });
  }
  // Loaded only here: a run on this machine never needs it.
  const { openSshHost, parseSshTarget } = await import("@vmforge/ssh-host");
  const target = parseSshTarget(global.host);
  const configFile = io.env.VMFORGE_SSH_CONFIG;
  return openSshHost(target, { env: io.env, asRoot: options.asRoot === true, ...(configFile ? { configFile: resolve(io.cwd, configFile) } : {}) });
}
