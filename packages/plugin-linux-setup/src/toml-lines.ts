import type { Problem } from "@vmforge/kernel";

/**
 * The line of `key = ...` in the TOML text, preferring one that also holds `value`. The
 * qemu-setup loader located table errors already; this only points at the file names and keys
 * this plugin reads after validation.
 */
export function locateTomlKey(text: string, key: string, value?: string): Pick<Problem, "line" | "column" | "sourceLine"> {
  const lines = text.split(/\r?\n/);
  const keyLine = new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*=`);
  const candidates = lines.map((line, index) => ({ line, index })).filter(({ line }) => keyLine.test(line));
  const match = candidates.find(({ line }) => value !== undefined && line.includes(value)) ?? candidates[0];
  if (!match) return {};
  return { line: match.index + 1, column: match.line.search(/\S/) + 1, sourceLine: match.line };
}
