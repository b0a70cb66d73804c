import { ReadLimits, type HostRoot } from "@vmforge/kernel";
import { readBytes } from "./read-log.js";

/** Where distributions install the pci.ids database (pciutils / hwdata). */
export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"] as const;

const HEX_DIGITS = "0123456789abcdef";

interface Entry {
  name: string;
  start: number;
  end: number;
}

/**
 * Names from pci.ids, searched as bytes with native `Buffer.indexOf`: decoding the 1.3 MB
 * file (even as latin1) costs more than the rest of the check, so only the lines asked for
 * are decoded.
 */
export class PciNames {
  #classesStart: number | undefined;
  readonly #vendors = new Map<string, Entry | undefined>();

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
    const classes = this.#classes();
    const at = this.#indexOf(`\nC ${classCode.slice(0, 2)}  `, classes, this.bytes.length);
    if (at < 0) return null;
    const nameStart = at + 7;
    const nameEnd = this.#lineEnd(nameStart);
    const next = this.#indexOf("\nC ", nameEnd, this.bytes.length);
    const end = next < 0 ? this.bytes.length : next;
    return this.#lineValue(`\n\t${classCode.slice(2, 4)}  `, nameEnd, end) ?? this.#decode(nameStart, nameEnd);
  }

  /** Where the class section starts: it closes the file, after every vendor. */
  #classes(): number {
    this.#classesStart ??= Math.max(0, this.bytes.lastIndexOf("\nC 00  "));
    return this.#classesStart;
  }

  #vendorBlock(vendorId: string): Entry | undefined {
    if (!this.#vendors.has(vendorId)) this.#vendors.set(vendorId, this.#findVendor(vendorId));
    return this.#vendors.get(vendorId);
  }

  #findVendor(vendorId: string): Entry | undefined {
    const classes = this.#classes() || this.bytes.length;
    const at = this.#indexOf(`\n${vendorId}  `, 0, classes);
    if (at < 0) return undefined;
    const nameStart = at + 7;
    const nameEnd = this.#lineEnd(nameStart);
    // The block ends at the next line that starts with a hex digit (a vendor; device lines
    // start with a tab). Vendors are sorted, so the vendor's own first digit usually comes
    // first, and every further search is bounded by the nearest end found so far.
    let end = classes;
    for (const digit of [vendorId[0]!, ...HEX_DIGITS]) {
      const next = this.#indexOf(`\n${digit}`, nameEnd, end);
      if (next >= 0) end = next;
    }
    return { name: this.#decode(nameStart, nameEnd), start: nameEnd, end };
  }

  /** `needle` in bytes [from, to), or -1. */
  #indexOf(needle: string, from: number, to: number): number {
    if (from >= to) return -1;
    const at = this.bytes.subarray(from, to).indexOf(needle);
    return at < 0 ? -1 : from + at;
  }

  #lineValue(prefix: string, start: number, end: number): string | null {
    const at = this.#indexOf(prefix, start, end);
    if (at < 0) return null;
    return this.#decode(at + prefix.length, this.#lineEnd(at + prefix.length)) || null;
  }

  #lineEnd(from: number): number {
    const end = this.bytes.indexOf(0x0a, from);
    return end < 0 ? this.bytes.length : end;
  }

  #decode(start: number, end: number): string {
    return this.bytes.toString("utf8", start, end).trim();
  }
}

export async function readPciNames(host: HostRoot): Promise<PciNames> {
  for (const path of PCI_IDS_PATHS) {
    const bytes = await readBytes(host, path, ReadLimits.pciIds);
    // Entries are found as "\n<id>  ": the file opens with comments, so no entry is on line one.
    if (bytes !== undefined) return new PciNames(bytes);
  }
  return PciNames.empty;
}
