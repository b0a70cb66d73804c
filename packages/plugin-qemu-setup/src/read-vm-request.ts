import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ExitCode, FileReadError, ReadLimits, VmforgeError, describeFileType, formatBytes, readBoundedText, type PluginManifest } from "@vmforge/kernel";
import type { UserVmRequest } from "./contract.js";
import { loadVmRequest } from "./load-request.js";

/** Reads and checks the VM description: the same for the preflight check and the load stage. */
export async function readVmRequest(configPath: string | undefined, plugins: readonly PluginManifest[], self: string): Promise<UserVmRequest> {
  const { path, text } = await readVmDescription(configPath);
  const known = checkedBefore(path, text, plugins);
  if (known) return known;
  const request = await loadVmRequest({ path, text, plugins, self });
  remember(path, text, plugins, request);
  return request;
}

let lastRead: { path: string; text: string; plugins: readonly PluginManifest[]; request: UserVmRequest } | undefined;

/** The preflight check and the load stage of one run read the same file: it is checked once. */
export function checkedBefore(path: string, text: string, plugins: readonly PluginManifest[]): UserVmRequest | undefined {
  return lastRead?.path === path && lastRead.text === text && lastRead.plugins === plugins ? lastRead.request : undefined;
}

export function remember(path: string, text: string, plugins: readonly PluginManifest[], request: UserVmRequest): void {
  lastRead = { path, text, plugins, request };
}

/**
 * The TOML text, read only when it is a regular file of at most ReadLimits.config: a FIFO is
 * never opened (it would block), a device never read (/dev/urandom never ends).
 */
export async function readVmDescription(configPath: string | undefined): Promise<{ path: string; text: string }> {
  if (!configPath) {
    throw new VmforgeError("E_CONFIG_PATH_MISSING", "No VM description was given.", {
      exitCode: ExitCode.usage,
      fix: "Name the TOML file: `vmforge plan vm.toml` (`vmforge init` writes a template).",
    });
  }
  const path = resolve(configPath);
  try {
    return { path, text: await readBoundedText(path, { maxBytes: ReadLimits.config, what: "The VM description" }) };
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    throw configReadError(path, error, await received(path, error));
  }
}

function configReadError(path: string, error: FileReadError, received: string): VmforgeError {
  const missing = error.fault === "missing";
  const fix = missing
    ? "Check the path, or create the file with `vmforge init`."
    : error.fault === "unreadable"
      ? "Check the file's permissions."
      : `Give the path of the TOML file itself (a regular file of at most ${formatBytes(ReadLimits.config)}), not a pipe, device or folder.`;
  return new VmforgeError(missing ? "E_CONFIG_NOT_FOUND" : "E_CONFIG_UNREADABLE", error.message, {
    exitCode: ExitCode.usage,
    fix,
    cause: error,
    problems: [
      {
        code: error.code,
        message: error.message,
        file: path,
        received,
        expected: `a regular TOML file of at most ${formatBytes(ReadLimits.config)}`,
        fix,
      },
    ],
  });
}

/** What is at the path, in words: "a named pipe (FIFO)", "more than 1 MiB". */
async function received(path: string, error: FileReadError): Promise<string> {
  if (error.fault === "missing") return "nothing (no such file)";
  if (error.fault === "too-large") return `more than ${formatBytes(ReadLimits.config)}`;
  if (error.fault === "not-regular") return stat(path).then(describeFileType, () => "not a regular file");
  return "a file that cannot be read";
}
