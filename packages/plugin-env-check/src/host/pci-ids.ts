import type { HostRoot } from "@vmforge/kernel";
import { readBytes } from "./read-log.js";

/** Where distributions install the pci.ids database (pciutils / hwdata). */
export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"] as const;

/** The start of a line that is not indented, a comment or blank: the next top-level entry. */
const TOP_LEVEL_LINE = /\n[^\t#\n]/g;

interface Entry {
  name: string;
  start: number;
  end: number;
}

/**
 * Names from pci.ids. Decoding the whole 1.3 MB file as UTF-8 costs more than the rest of the
 * check, so it is searched as latin1 (a byte per character, positions equal to byte offsets)
 * and only the lines asked for are decoded as UTF-8.
 */
export class PciNames {
  readonly #text: string;
  #classesStart: number | undefined;
  readonly #vendors = new Map<string, Entry | undefined>();

  constructor(private readonly bytes: Buffer) {
    this.#text = bytes.toString("latin1");
  }

  static readonly empty = new PciNames(Buffer.alloc(0));

  vendor(vendorId: string): string | null {
    return this.#vendorBlock(vendorId)?.name ?? null;
  }

  device(vendorId: string, deviceId: string): string | null {
    const block = this.#vendorBlock(vendorId);
    return block ? this.#lineValue(`\n\t${deviceId}  `, block.start, block.end) : null;
  }

  /** `030000` → `VGA compatible controller` (subclass name, else class name). */
  className(classCode: string): string | null {
    // The class section closes the file; searching from its start spares a scan of every vendor.
    this.#classesStart ??= Math.max(0, this.#text.lastIndexOf("\nC 00  "));
    const entry = this.#entry(`\nC ${classCode.slice(0, 2)}  `, this.#classesStart);
    if (!entry) return null;
    return this.#lineValue(`\n\t${classCode.slice(2, 4)}  `, entry.start, entry.end) ?? entry.name;
  }

  #vendorBlock(vendorId: string): Entry | undefined {
    if (!this.#vendors.has(vendorId)) this.#vendors.set(vendorId, this.#entry(`\n${vendorId}  `, 0));
    return this.#vendors.get(vendorId);
  }

  /** A top-level entry: its name and the range of the indented lines under it. */
  #entry(prefix: string, from: number): Entry | undefined {
    const at = this.#text.indexOf(prefix, from);
    if (at < 0) return undefined;
    const nameStart = at + prefix.length;
    const nameEnd = this.#lineEnd(nameStart);
    TOP_LEVEL_LINE.lastIndex = nameEnd;
    const next = TOP_LEVEL_LINE.exec(this.#text);
    return { name: this.#decode(nameStart, nameEnd), start: nameEnd, end: next ? next.index : this.#text.length };
  }

  #lineValue(prefix: string, start: number, end: number): string | null {
    const at = this.#text.indexOf(prefix, start);
    if (at < 0 || at >= end) return null;
    return this.#decode(at + prefix.length, this.#lineEnd(at + prefix.length)) || null;
  }

  #lineEnd(from: number): number {
    const end = this.#text.indexOf("\n", from);
    return end < 0 ? this.#text.length : end;
  }

  #decode(start: number, end: number): string {
    return this.bytes.toString("utf8", start, end).trim();
  }
}

export async function readPciNames(host: HostRoot): Promise<PciNames> {
  for (const path of PCI_IDS_PATHS) {
    const bytes = await readBytes(host, path);
    // Entries are found as "\n<id>  ": the file opens with comments, so no entry is on line one.
    if (bytes !== undefined) return new PciNames(bytes);
  }
  return PciNames.empty;
}
