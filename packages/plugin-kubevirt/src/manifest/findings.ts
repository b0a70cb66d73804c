/** A key of the VM description KubeVirt cannot express, and what became of it. */
export interface Inexpressible {
  /** Where in the TOML: `["network", 0, "forward"]`. */
  keyPath: PropertyKey[];
  message: string;
  fix?: string;
}

/** What building the manifest found: warnings name a TOML key; notes tell what the cluster needs. */
export class Findings {
  readonly warnings: Inexpressible[] = [];
  readonly #notes: string[] = [];

  warn(keyPath: PropertyKey[], message: string, fix?: string): void {
    this.warnings.push({ keyPath, message, ...(fix ? { fix } : {}) });
  }

  note(text: string): void {
    if (!this.#notes.includes(text)) this.#notes.push(text);
  }

  get notes(): string[] {
    return [...this.#notes];
  }
}

/** `["network", 0, "forward"]` as people read it: `network[0].forward`. */
export function keyPathText(keyPath: readonly PropertyKey[]): string {
  return keyPath.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : text === "" ? String(part) : `${text}.${String(part)}`), "");
}
