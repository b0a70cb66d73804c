/** Small parsers for the one-line values sysfs and procfs hand out. */

export function parseInteger(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number.parseInt(text.trim(), 10);
  return Number.isFinite(value) ? value : null;
}

/** `0x10de` → `10de`; anything that is not hex becomes null. */
export function parseHexId(text: string | undefined, digits = 4): string | null {
  const match = text?.trim().toLowerCase().match(/^(?:0x)?([0-9a-f]+)$/);
  if (!match) return null;
  const hex = match[1]!;
  return hex.length > digits ? hex.slice(-digits) : hex.padStart(digits, "0");
}

/** `1`/`Y`/`y` → true, `0`/`N`/`n` → false. */
export function parseFlag(text: string | undefined): boolean | null {
  const value = text?.trim();
  if (value === undefined || value === "") return null;
  if (value === "1" || value === "Y" || value === "y") return true;
  if (value === "0" || value === "N" || value === "n") return false;
  return null;
}

/** The last component of a symlink target: `../../../bus/pci/drivers/vfio-pci` → `vfio-pci`. */
export function linkName(target: string | undefined): string | null {
  if (!target) return null;
  const name = target.replace(/\/+$/, "").split("/").pop();
  return name ? name : null;
}

export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
