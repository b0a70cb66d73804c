import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** A path from the [linux] table: `~/` is the home folder, a relative one is beside the TOML file. */
export function resolveUserPath(path: string, tomlPath: string): string {
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return resolve(dirname(resolve(tomlPath)), path);
}
