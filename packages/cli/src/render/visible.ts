/**
 * Text from users, plugins and host files (a VM name, a GPU name from pci.ids, a path, a line
 * of the TOML) may hold terminal controls: ESC sequences that recolour, retitle, move the
 * cursor or hide what follows, a CR that overwrites a line, C1 controls that some terminals
 * read as ESC, bidi overrides that reorder what is shown. Everything vmforge prints for a
 * person goes through here, so those show as escapes (`\x1b[31m`) and do nothing. Files are
 * written as they are.
 */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_AND_LINE_BREAKS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escape(character: string): string {
  const code = character.charCodeAt(0);
  if (character === "\n") return "\\n";
  if (character === "\r") return "\\r";
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Keeps line breaks and tabs: for messages that may span lines. */
export function visible(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** Also shows line breaks as `\n`: for a value that must stay on its line (a path, a name). */
export function visibleLine(text: string): string {
  return text.replace(CONTROLS_AND_LINE_BREAKS, escape);
}

/** A copy of plain data with every string made visible on its line (ids, names, keys of a manifest). */
export function visibleStrings<T>(value: T): T {
  if (typeof value === "string") return visibleLine(value) as T;
  if (Array.isArray(value)) return value.map(visibleStrings) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, visibleStrings(entry)])) as T;
  return value;
}

/**
 * JSON for a terminal. JSON.stringify escapes C0 controls but not C1 or bidi controls; as
 * `\u` escapes they mean the same to a JSON reader and nothing to a terminal.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
