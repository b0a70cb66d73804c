import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * A path written in the VM description, as the user meant it: `~/` is the home folder, a
 * relative path starts at the TOML file's folder (not the shell's working folder).
 */
export function resolveRequestPath(written: string, tomlPath: string): string {
  if (written === "~" || written.startsWith("~/")) return join(homedir(), written.slice(1));
  return resolve(dirname(resolve(tomlPath)), written);
}
