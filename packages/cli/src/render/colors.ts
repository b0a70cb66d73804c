export interface Palette {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  cyan(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export const colorPalette: Palette = { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22), cyan: wrap(36, 39) };
const identity = (text: string) => text;
export const plainPalette: Palette = { red: identity, yellow: identity, green: identity, dim: identity, bold: identity, cyan: identity };

/** Colour only on a terminal, and never with --no-color or NO_COLOR. */
export function choosePalette(stream: NodeJS.WriteStream, noColor: boolean, env: NodeJS.ProcessEnv = process.env): Palette {
  return stream.isTTY && !noColor && !env.NO_COLOR && env.TERM !== "dumb" ? colorPalette : plainPalette;
}
