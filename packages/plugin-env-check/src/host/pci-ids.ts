import type { HostRoot } from "@vmforge/kernel";
import { readBytes } from "./read-log.js";

/** Where distributions install the pci.ids database (pciutils / hwdata). */
export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"] as const;

const NEWLINE = 0x0a;
const TAB = 0x09;
const HASH = 0x23;

/**
 * Names from pci.ids, found by searching the bytes: decoding the whole 1.3 MB file to a string
 * costs more than the rest of the check, so only the lines asked for are decoded.
 */
export class PciNames {
  #classesStart: number | undefined;
  readonly #vendors = new Map<string, { name: string; start: number; end: number } | undefined>();

  constructor(private readonly bytes: Buffer) {}

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
    this.#classesStart ??= Math.max(0, this.bytes.lastIndexOf("\nC 00  "));
    const entry = this.#entry(`\nC ${classCode.slice(0, 2)}  `, this.#classesStart);
    if (!entry) return null;
    return this.#lineValue(`\n\t${classCode.slice(2, 4)}  `, entry.start, entry.end) ?? entry.name;
  }

  #vendorBlock(vendorId: string): { name: string; start: number; end: number } | undefined {
    if (!this.#vendors.has(vendorId)) this.#vendors.set(vendorId, this.#entry(`\n${vendorId}  `, 0));
    return this.#vendors.get(vendorId);
  }

  /** A top-level entry: its name and the byte range of the indented lines under it. */
  #entry(prefix: string, from: number): { name: string; start: number; end: number } | undefined {
    const at = this.bytes.indexOf(prefix, from, "latin1");
    if (at < 0) return undefined;
    const nameStart = at + prefix.length;
    const nameEnd = this.#lineEnd(nameStart);
    let end = nameEnd;
    while (end < this.bytes.length) {
      const first = this.bytes[end + 1];
      // Tab, '#' and blank lines stay inside the block; anything else starts the next entry.
      if (first !== TAB && first !== HASH && first !== NEWLINE) break;
      end = this.#lineEnd(end + 1);
    }
    return { name: this.bytes.toString("utf8", nameStart, nameEnd).trim(), start: nameEnd, end };
  }

  #lineValue(prefix: string, start: number, end: number): string | null {
    const at = this.bytes.indexOf(prefix, start, "latin1");
    if (at < 0 || at >= end) return null;
    return this.bytes.toString("utf8", at + prefix.length, this.#lineEnd(at + prefix.length)).trim() || null;
  }

  #lineEnd(from: number): number {
    const end = this.bytes.indexOf(NEWLINE, from);
    return end < 0 ? this.bytes.length : end;
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
