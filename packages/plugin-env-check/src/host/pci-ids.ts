import { readText } from "./read-log.js";
import type { HostRoot } from "@vmforge/kernel";

/** Where distributions install the pci.ids database (pciutils / hwdata). */
export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"] as const;

/** Names from pci.ids, looked up by searching the text rather than parsing all 30 000 lines. */
export class PciNames {
  constructor(private readonly text: string) {}

  static readonly empty = new PciNames("");

  vendor(vendorId: string): string | null {
    return this.#vendorBlock(vendorId)?.name ?? null;
  }

  device(vendorId: string, deviceId: string): string | null {
    const block = this.#vendorBlock(vendorId);
    if (!block) return null;
    return lineValue(block.body, `\n\t${deviceId}  `);
  }

  /** `030000` → `VGA compatible controller` (subclass name, else class name). */
  className(classCode: string): string | null {
    const start = this.text.indexOf(`\nC ${classCode.slice(0, 2)}  `);
    if (start < 0) return null;
    const nameEnd = this.text.indexOf("\n", start + 1);
    const classLine = this.text.slice(start + 7, nameEnd < 0 ? undefined : nameEnd);
    const body = blockAfter(this.text, nameEnd);
    return lineValue(body, `\n\t${classCode.slice(2, 4)}  `) ?? classLine;
  }

  #vendorBlock(vendorId: string): { name: string; body: string } | undefined {
    const start = this.text.indexOf(`\n${vendorId}  `);
    if (start < 0) return undefined;
    const nameEnd = this.text.indexOf("\n", start + 1);
    return { name: this.text.slice(start + 7, nameEnd < 0 ? undefined : nameEnd), body: blockAfter(this.text, nameEnd) };
  }
}

/** The indented lines that follow a top-level entry, up to the next top-level entry. */
function blockAfter(text: string, from: number): string {
  if (from < 0) return "";
  const next = text.slice(from).search(/\n[^\t#\n]/);
  return next < 0 ? text.slice(from) : text.slice(from, from + next + 1);
}

function lineValue(body: string, prefix: string): string | null {
  const at = body.indexOf(prefix);
  if (at < 0) return null;
  const end = body.indexOf("\n", at + 1);
  return body.slice(at + prefix.length, end < 0 ? undefined : end).trim() || null;
}

export async function readPciNames(host: HostRoot): Promise<PciNames> {
  for (const path of PCI_IDS_PATHS) {
    const text = await readText(host, path);
    if (text !== undefined) return new PciNames(`\n${text}`);
  }
  return PciNames.empty;
}
