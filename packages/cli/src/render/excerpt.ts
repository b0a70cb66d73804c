/** How much of a value an error shows. A TOML line can be megabytes long; a message need not be. */
export const Lengths = {
  /** Characters of a source line shown around the column of a problem. */
  sourceContext: 120,
  /** An echoed value: what was expected, what was given, a key path. */
  value: 200,
  /** One line of a message, a why or a fix. */
  line: 500,
} as const;

/** `text`, or its first `max - 1` characters and "…". */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Every line of a multi-line text clipped on its own. */
export function clipLines(text: string, max: number): string {
  return text
    .split("\n")
    .map((line) => clip(line, max))
    .join("\n");
}

export interface Excerpt {
  text: string;
  /** The 0-based offset of the column in `text`, for the caret. */
  caret: number;
}

/**
 * At most `width` characters of a line around a 1-based column, with "…" where it was cut, and
 * where the column now sits.
 */
export function excerptAround(line: string, column: number | undefined, width: number = Lengths.sourceContext): Excerpt {
  const at = Math.max(0, Math.min(line.length, (column ?? 1) - 1));
  if (line.length <= width) return { text: line, caret: at };
  let start = Math.max(0, at - Math.floor(width / 2));
  const end = Math.min(line.length, start + width);
  start = Math.max(0, end - width);
  const head = start > 0 ? "…" : "";
  const tail = end < line.length ? "…" : "";
  return { text: `${head}${line.slice(start, end)}${tail}`, caret: head.length + at - start };
}
