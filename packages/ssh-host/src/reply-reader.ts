/** What a folder entry is, as the remote script's listing says. */
export type EntryKind = "dir" | "link" | "file" | "other";

export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/** One answer of the remote script (see remote-script.ts). */
export type Reply =
  | { kind: "link"; target: string }
  | { kind: "dir"; entries: DirEntry[] }
  | { kind: "file" }
  | { kind: "block" }
  | { kind: "other" }
  | { kind: "none" }
  | { kind: "unreadable" }
  | { kind: "content"; bytes: Buffer }
  /** A write or mkdir was done. */
  | { kind: "ok" }
  /** A write or mkdir failed; `why` is the remote program's first line of errors (`EEXIST`: something is there). */
  | { kind: "error"; why: string }
  /** A program ran and exited with `code`; its output and errors follow as two content replies. */
  | { kind: "exit"; code: number };

/** A line: a header, a link target (at most PATH_MAX) or a listed name (at most NAME_MAX). */
const MAX_LINE = 4200;
/** Entries of one folder: /sys/devices/system/cpu of a big machine has a few thousand. */
const MAX_ENTRIES = 1_000_000;
const ENTRY_KINDS: Record<string, EntryKind> = { d: "dir", l: "link", f: "file", o: "other" };

/**
 * Splits the remote script's output into replies. It is fed chunks as they come and calls
 * `onReply` for each whole reply; output that is not the protocol throws a ProtocolError.
 */
export class ReplyReader {
  #buffer: Buffer = Buffer.alloc(0);
  #body: number | undefined;
  #listing: DirEntry[] | undefined;
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
      if (this.#body !== undefined) {
        if (this.#buffer.length < this.#body) return;
        const bytes = this.#buffer.subarray(0, this.#body);
        this.#buffer = this.#buffer.subarray(this.#body);
        this.#body = undefined;
        this.onReply({ kind: "content", bytes });
        continue;
      }
      const end = this.#buffer.indexOf(0x0a);
      if (end < 0) {
        if (this.#buffer.length > MAX_LINE) throw new ProtocolError(`a line over ${MAX_LINE} bytes`);
        return;
      }
      const line = this.#buffer.subarray(0, end).toString("utf8");
      this.#buffer = this.#buffer.subarray(end + 1);
      if (!this.#greeted) {
        // A login banner or a motd from the shell's profile may come first.
        if (line === this.greeting) this.#greeted = true;
        continue;
      }
      if (this.#listing) this.#entry(line);
      else this.#header(line);
    }
  }

  #entry(line: string): void {
    if (line === ".") {
      const entries = this.#listing!;
      this.#listing = undefined;
      return this.onReply({ kind: "dir", entries });
    }
    const kind = ENTRY_KINDS[line[0]!];
    if (!kind || line[1] !== " ") throw new ProtocolError(`an unexpected folder entry ${JSON.stringify(line.slice(0, 64))}`);
    if (this.#listing!.length >= MAX_ENTRIES) throw new ProtocolError(`a folder of more than ${MAX_ENTRIES} entries`);
    this.#listing!.push({ kind, name: line.slice(2) });
  }

  #header(line: string): void {
    const simple = { F: "file", B: "block", O: "other", N: "none", U: "unreadable", K: "ok" } as const;
    if (line in simple) return this.onReply({ kind: simple[line as keyof typeof simple] });
    if (line === "D") {
      this.#listing = [];
      return;
    }
    if (line.startsWith("L ")) return this.onReply({ kind: "link", target: line.slice(2) });
    if (line.startsWith("E ")) return this.onReply({ kind: "error", why: line.slice(2) });
    const exit = /^R (\d{1,3})$/.exec(line);
    if (exit) return this.onReply({ kind: "exit", code: Number(exit[1]) });
    const match = /^C +(\d{1,15})$/.exec(line.trim());
    if (!match) throw new ProtocolError(`an unexpected reply ${JSON.stringify(line.slice(0, 64))}`);
    const size = Number(match[1]);
    if (size > this.maxBody) throw new ProtocolError(`a reply of ${size} bytes, more than the ${this.maxBody} asked for`);
    this.#body = size;
  }
}

export class ProtocolError extends Error {}
