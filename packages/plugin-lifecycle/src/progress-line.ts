/** `waiting for web-1: 42 s  | [  12.3] systemd[1]: Started ...` on a terminal; a plain line every 15 s elsewhere. */
export class ProgressLine {
  readonly #tty: boolean;
  #shown = false;
  #lastPlain = -Infinity;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly name: string,
  ) {
    this.#tty = Boolean((stream as { isTTY?: boolean }).isTTY);
  }

  update(seconds: number, lastLine: string | undefined): void {
    const line = printable(lastLine ?? "(nothing on the serial console yet)");
    if (this.#tty) {
      const width = Math.max(40, ((this.stream as { columns?: number }).columns ?? 100) - 1);
      const text = `waiting for ${this.name}: ${seconds} s | ${line}`;
      this.stream.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.#shown = true;
    } else if (seconds - this.#lastPlain >= 15) {
      this.#lastPlain = seconds;
      this.stream.write(`waiting for ${this.name}: ${seconds} s; console: ${line.slice(0, 200)}\n`);
    }
  }

  end(): void {
    if (this.#shown) this.stream.write("\r\x1b[K");
    this.#shown = false;
  }
}

/** A guest's line without the control characters that would move the cursor. */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\x00-\x1f\x7f-\x9f]/g, " ").trim();
}
