import type { Problem } from "@vmforge/kernel";
import { TomlLocator } from "../toml-locator.js";

/**
 * Where a key path is in a TOML text (`["linux", "users", 1, "ssh_authorized_keys_file"]`):
 * line, column and the source line, of the key itself or else of its nearest table; empty when
 * the text has neither. For problems found after loading, about values the request holds.
 */
export function locateTomlKey(text: string, keyPath: readonly PropertyKey[]): Pick<Problem, "line" | "column" | "sourceLine"> {
  const found = new TomlLocator(text).locate(keyPath);
  return found ? { line: found.line, column: found.column, ...(found.sourceLine !== undefined ? { sourceLine: found.sourceLine } : {}) } : {};
}
