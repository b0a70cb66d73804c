import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ExitCode, VmforgeError, type StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "../contract.js";
import { loadVmRequest } from "../load-request.js";

export async function run(ctx: StageContext): Promise<void> {
  const given = ctx.input.configPath;
  if (!given) {
    throw new VmforgeError("E_CONFIG_PATH_MISSING", "No VM description was given.", {
      exitCode: ExitCode.usage,
      fix: "Name the TOML file: `vmforge plan vm.toml` (`vmforge init` writes a template).",
    });
  }
  const path = resolve(given);
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
  const request = await loadVmRequest({ path, text, plugins: ctx.plugins, self: ctx.plugin });
  ctx.setRunName(request.vm.name);
  ctx.set(userVmRequestKey, request);
  ctx.ui.info(`Read ${path}: VM ${request.vm.name}, guest ${request.vm.guest}.`);
}
