import { ReadLimits, readBoundedText } from "@vmforge/kernel";

/** A top-level name of a VM description: a table (`[vm]`, `[[disk]]`, `vm.name = ...`) or a stray key. */
export interface TopLevelEntry {
  name: string;
  isTable: boolean;
  line?: number;
  column?: number;
  sourceLine?: string;
}

/**
 * The top-level names of a VM description, located, or undefined when it cannot be read or does
 * not parse: then the plugin that reads it reports why, with its own located error.
 */
export async function readRequestOutline(path: string): Promise<TopLevelEntry[] | undefined> {
  let text: string;
  let data: Record<string, unknown>;
  try {
    text = await readBoundedText(path, { maxBytes: ReadLimits.config, what: "the VM description" });
    const { parse } = await import("smol-toml");
    data = parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  return Object.entries(data).map(([name, value]) => ({ name, isTable: isTable(value), ...locate(lines, name) }));
}

/** As the VM description's reader sees it: anything but a plain value (a string, number, date) is a table. */
function isTable(value: unknown): boolean {
  return value !== null && typeof value === "object" && !(value instanceof Date);
}

const KEY = String.raw`("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)`;
const HEADER = new RegExp(String.raw`^(\s*)\[\[?\s*${KEY}`);
const ROOT_KEY = new RegExp(String.raw`^(\s*)${KEY}\s*[.=]`);

/** The first line that opens the name: its header, or a key above the first header. */
function locate(lines: string[], name: string): Pick<TopLevelEntry, "line" | "column" | "sourceLine"> {
  let inRoot = true;
  for (const [index, text] of lines.entries()) {
    const header = HEADER.exec(text);
    if (header) inRoot = false;
    const match = header ?? (inRoot ? ROOT_KEY.exec(text) : null);
    if (match && unquote(match[2]!) === name) return { line: index + 1, column: match[1]!.length + 1, sourceLine: text };
  }
  return {};
}

function unquote(key: string): string {
  if (key.startsWith("'")) return key.slice(1, -1);
  if (!key.startsWith('"')) return key;
  try {
    return JSON.parse(key) as string;
  } catch {
    return key.slice(1, -1);
  }
}
