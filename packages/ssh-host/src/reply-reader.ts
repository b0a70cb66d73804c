/** One answer of the remote script (see remote-script.ts). */
export type Reply =
  | { kind: "link"; target: Buffer }
  | { kind: "dir"; names: Buffer }
  | { kind: "file" }
  | { kind: "other" }
  | { kind: "none" }
  | { kind: "unreadable" }
  | { kind: "content"; bytes: Buffer };

/** A header line is a letter and a number; anything longer is not the protocol. */
const MAX_HEADER = 32;

/**
 * Splits the remote script's output into replies. It is fed chunks as they come and calls
 * `onReply` for each whole reply; a malformed header throws (the other side is not our script).
 */
export class ReplyReader {
  #buffer: Buffer = Buffer.alloc(0);
  #body: { kind: "L" | "D" | "C"; size: number } | undefined;
  #greeted = false;

  constructor(
    private readonly greeting: string,
    private readonly maxBody: number,
    private readonly onReply: (reply: Reply) => void,
  ) {}

  get greeted(): boolean {
    return this.#greeted;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#body) {
        if (this.#buffer.length < this.#body.size) return;
        const bytes = this.#buffer.subarray(0, this.#body.size);
        this.#buffer = this.#buffer.subarray(this.#body.size);
        const { kind } = this.#body;
        this.#body = undefined;
        this.onReply(kind === "L" ? { kind: "link", target: bytes } : kind === "D" ? { kind: "dir", names: bytes } : { kind: "content", bytes });
        continue;
      }
      const end = this.#buffer.indexOf(0x0a);
      if (end < 0) {
        if (this.#buffer.length > (this.#greeted ? MAX_HEADER : 4096)) throw new ProtocolError(`a reply line over ${MAX_HEADER} bytes`);
        return;
      }
      const line = this.#buffer.subarray(0, end).toString("utf8");
      this.#buffer = this.#buffer.subarray(end + 1);
      if (!this.#greeted) {
        // A login banner or a motd from the shell's profile may come first.
        if (line === this.greeting) this.#greeted = true;
        continue;
      }
      this.#header(line);
    }
  }

  #header(line: string): void {
    const simple = { F: "file", O: "other", N: "none", U: "unreadable" } as const;
    if (line in simple) return this.onReply({ kind: simple[line as keyof typeof simple] });
    const match = /^([LDC]) +(\d{1,12})$/.exec(line.trim());
    if (!match) throw new ProtocolError(`an unexpected reply ${JSON.stringify(line.slice(0, MAX_HEADER))}`);
    const size = Number(match[2]);
    if (size > this.maxBody) throw new ProtocolError(`a reply of ${size} bytes, more than the ${this.maxBody} asked for`);
    this.#body = { kind: match[1] as "L" | "D" | "C", size };
  }
}

export class ProtocolError extends Error {}
