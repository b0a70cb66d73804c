import type { SourceLocation } from "@vmforge/kernel";
import { tomlKeyPath } from "./config-problems.js";

/**
 * Finds the line and column of a key path (`disk[1].size`) in a TOML text. smol-toml returns
 * values without positions, so this scans the text once more: table headers, arrays of tables,
 * dotted and quoted keys, inline tables and arrays. Only used on text that parsed, so it never
 * has to recover from a syntax error; on anything surprising it simply knows fewer keys.
 */
export class TomlLocator {
  readonly #positions = new Map<string, { line: number; column: number }>();
  readonly #lines: string[];

  constructor(text: string) {
    this.#lines = text.split(/\r?\n/);
    try {
      new Scanner(text, (path, line, column) => {
        const key = tomlKeyPath(path);
        if (!this.#positions.has(key)) this.#positions.set(key, { line, column });
      }).scan();
    } catch {
      // A partial index is still useful; problems fall back to the nearest known ancestor.
    }
  }

  /** The key's own position, else the nearest ancestor that appears in the text. */
  locate(path: ReadonlyArray<PropertyKey>): SourceLocation | undefined {
    for (let length = path.length; length > 0; length--) {
      const found = this.#positions.get(tomlKeyPath(path.slice(0, length)));
      if (found) return { ...found, sourceLine: this.#lines[found.line - 1] ?? "" };
    }
    return undefined;
  }

  /** Only an exact match. */
  locateExact(path: ReadonlyArray<PropertyKey>): SourceLocation | undefined {
    const found = this.#positions.get(tomlKeyPath(path));
    return found ? { ...found, sourceLine: this.#lines[found.line - 1] ?? "" } : undefined;
  }
}

type Path = Array<string | number>;
type Record = (path: Path, line: number, column: number) => void;

const BARE_KEY = /[A-Za-z0-9_-]/;

class Scanner {
  #pos = 0;
  #line = 1;
  #column = 1;
  readonly #arrayCounts = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly record: Record,
  ) {}

  scan(): void {
    let current: Path = [];
    while (this.#pos < this.text.length) {
      const before = this.#pos;
      this.#skipBlank(true);
      if (this.#pos >= this.text.length) break;
      const line = this.#line;
      const column = this.#column;
      if (this.text.startsWith("[[", this.#pos)) {
        this.#advance(2);
        const segments = this.#readKey();
        this.#skipUntil("]]");
        this.#advance(2);
        const arrayPath = this.#resolve(segments);
        const arrayKey = tomlKeyPath(arrayPath);
        const index = this.#arrayCounts.get(arrayKey) ?? 0;
        this.#arrayCounts.set(arrayKey, index + 1);
        this.record(arrayPath, line, column);
        current = [...arrayPath, index];
        this.record(current, line, column);
      } else if (this.text[this.#pos] === "[") {
        this.#advance(1);
        const segments = this.#readKey();
        this.#skipUntil("]");
        this.#advance(1);
        current = this.#resolve(segments);
        this.record(current, line, column);
      } else {
        this.#keyValue(current);
      }
      this.#skipRestOfLine();
      if (this.#pos === before) this.#advance(1);
    }
  }

  /** `a.b` in a header: an earlier array of tables stands for its last element, except the last segment. */
  #resolve(segments: string[]): Path {
    const path: Path = [];
    segments.forEach((segment, index) => {
      path.push(segment);
      if (index === segments.length - 1) return;
      const count = this.#arrayCounts.get(tomlKeyPath(path));
      if (count !== undefined) path.push(count - 1);
    });
    return path;
  }

  #keyValue(base: Path): void {
    const line = this.#line;
    const column = this.#column;
    const segments = this.#readKey();
    if (segments.length === 0) return;
    const path = [...base, ...segments];
    this.record(path, line, column);
    this.#skipSpaces();
    if (this.text[this.#pos] !== "=") return;
    this.#advance(1);
    this.#skipSpaces();
    this.#value(path);
  }

  #value(path: Path): void {
    const char = this.text[this.#pos];
    if (this.text.startsWith('"""', this.#pos)) return this.#multiline('"""', true);
    if (this.text.startsWith("'''", this.#pos)) return this.#multiline("'''", false);
    if (char === '"') return void this.#basicString();
    if (char === "'") return void this.#literalString();
    if (char === "[") {
      this.#advance(1);
      for (let index = 0; this.#pos < this.text.length; index++) {
        this.#skipBlank(true);
        if (this.text[this.#pos] === "]") break;
        this.record([...path, index], this.#line, this.#column);
        const before = this.#pos;
        this.#value([...path, index]);
        this.#skipBlank(true);
        if (this.text[this.#pos] === ",") this.#advance(1);
        else if (this.#pos === before) this.#advance(1);
      }
      this.#advance(1);
      return;
    }
    if (char === "{") {
      this.#advance(1);
      while (this.#pos < this.text.length) {
        this.#skipSpaces();
        if (this.text[this.#pos] === "}") break;
        const before = this.#pos;
        this.#keyValue(path);
        this.#skipSpaces();
        if (this.text[this.#pos] === ",") this.#advance(1);
        else if (this.#pos === before) this.#advance(1);
      }
      this.#advance(1);
      return;
    }
    while (this.#pos < this.text.length && !",]}\n#".includes(this.text[this.#pos]!)) this.#advance(1);
  }

  #readKey(): string[] {
    const segments: string[] = [];
    for (;;) {
      this.#skipSpaces();
      const char = this.text[this.#pos];
      if (char === '"') segments.push(this.#basicString());
      else if (char === "'") segments.push(this.#literalString());
      else if (char !== undefined && BARE_KEY.test(char)) {
        let key = "";
        while (this.#pos < this.text.length && BARE_KEY.test(this.text[this.#pos]!)) {
          key += this.text[this.#pos];
          this.#advance(1);
        }
        segments.push(key);
      } else break;
      this.#skipSpaces();
      if (this.text[this.#pos] !== ".") break;
      this.#advance(1);
    }
    return segments;
  }

  #basicString(): string {
    this.#advance(1);
    let raw = "";
    while (this.#pos < this.text.length && this.text[this.#pos] !== '"' && this.text[this.#pos] !== "\n") {
      if (this.text[this.#pos] === "\\") {
        raw += this.text.slice(this.#pos, this.#pos + 2);
        this.#advance(2);
      } else {
        raw += this.text[this.#pos];
        this.#advance(1);
      }
    }
    this.#advance(1);
    try {
      return JSON.parse(`"${raw.replace(/\\U([0-9a-fA-F]{8})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))}"`) as string;
    } catch {
      return raw;
    }
  }

  #literalString(): string {
    this.#advance(1);
    const start = this.#pos;
    while (this.#pos < this.text.length && this.text[this.#pos] !== "'" && this.text[this.#pos] !== "\n") this.#advance(1);
    const value = this.text.slice(start, this.#pos);
    this.#advance(1);
    return value;
  }

  #multiline(delimiter: string, escapes: boolean): void {
    this.#advance(3);
    while (this.#pos < this.text.length && !this.text.startsWith(delimiter, this.#pos)) this.#advance(escapes && this.text[this.#pos] === "\\" ? 2 : 1);
    this.#advance(3);
    // Up to two more quotes may belong to the content (`""""` ends with a quote inside).
    for (let extra = 0; extra < 2 && this.text[this.#pos] === delimiter[0]; extra++) this.#advance(1);
  }

  #skipSpaces(): void {
    while (this.text[this.#pos] === " " || this.text[this.#pos] === "\t") this.#advance(1);
  }

  /** Spaces, newlines and comments. */
  #skipBlank(newlines: boolean): void {
    for (;;) {
      const char = this.text[this.#pos];
      if (char === " " || char === "\t" || char === "\r" || (newlines && char === "\n")) this.#advance(1);
      else if (char === "#") while (this.#pos < this.text.length && this.text[this.#pos] !== "\n") this.#advance(1);
      else return;
    }
  }

  #skipRestOfLine(): void {
    this.#skipSpaces();
    if (this.text[this.#pos] === "#") while (this.#pos < this.text.length && this.text[this.#pos] !== "\n") this.#advance(1);
  }

  #skipUntil(token: string): void {
    while (this.#pos < this.text.length && !this.text.startsWith(token, this.#pos)) this.#advance(1);
  }

  #advance(count: number): void {
    for (let i = 0; i < count && this.#pos < this.text.length; i++) {
      if (this.text[this.#pos] === "\n") {
        this.#line++;
        this.#column = 1;
      } else this.#column++;
      this.#pos++;
    }
  }
}
