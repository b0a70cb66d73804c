import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ExitCode, VmforgeError, type PluginManifest } from "@vmforge/kernel";
import type { UserVmRequest } from "./contract.js";
import { loadVmRequest } from "./load-request.js";

/** Reads and checks the VM description: the same for the preflight check and the load stage. */
export async function readVmRequest(configPath: string | undefined, plugins: readonly PluginManifest[], self: string): Promise<UserVmRequest> {
  if (!configPath) {
    throw new VmforgeError("E_CONFIG_PATH_MISSING", "No VM description was given.", {
      exitCode: ExitCode.usage,
      fix: "Name the TOML file: `vmforge plan vm.toml` (`vmforge init` writes a template).",
    });
  }
  const path = resolve(configPath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new VmforgeError(missing ? "E_CONFIG_NOT_FOUND" : "E_CONFIG_UNREADABLE", missing ? `${path} does not exist.` : `${path} could not be read: ${(error as Error).message}`, {
      exitCode: ExitCode.usage,
      fix: missing ? "Check the path, or create the file with `vmforge init`." : "Check the file's permissions.",
      cause: error,
    });
  }
  // The preflight check and the load stage of one run read the same file: check it once.
  if (lastRead?.path === path && lastRead.text === text && lastRead.plugins === plugins) return lastRead.request;
  const request = await loadVmRequest({ path, text, plugins, self });
  lastRead = { path, text, plugins, request };
  return request;
}

let lastRead: { path: string; text: string; plugins: readonly PluginManifest[]; request: UserVmRequest } | undefined;
