import { parse as parseToml } from "smol-toml";
import type { UserVmRequest } from "./contract.js";
import type { ProblemContext } from "./config-problems.js";
import { TomlLocator } from "./toml-locator.js";

/** Where problems found after loading (host checks, disk checks) are located: the request's own TOML text. */
export function requestProblemContext(request: UserVmRequest): ProblemContext {
  return { file: request.source.path, locator: new TomlLocator(request.source.text), raw: parsedSource(request.source.text) };
}

function parsedSource(text: string): unknown {
  try {
    return parseToml(text);
  } catch {
    return undefined;
  }
}
