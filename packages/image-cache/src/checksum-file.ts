export type ChecksumAlgorithm = "sha256" | "sha512";

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lower-case hex. */
  hex: string;
}

export interface ChecksumEntry extends Checksum {
  fileName: string;
}

export const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { sha256: 64, sha512: 128 };

// GNU coreutils: `hex  name` (text mode) or `hex *name` (binary mode).
const GNU_LINE = /^\\?([0-9a-fA-F]{64}|[0-9a-fA-F]{128}) [ *](.+)$/;
// BSD / `sha256sum --tag` / Fedora: `SHA256 (name) = hex`.
const BSD_LINE = /^(SHA256|SHA512|SHA2-256|SHA2-512) ?\((.+)\) ?= ?([0-9a-fA-F]+)$/i;

/**
 * Every SHA-256 or SHA-512 entry of a checksum file in either layout. Lines that are neither
 * (PGP armour around Fedora's CHECKSUM, `# name: N bytes` comments, MD5 sums) are skipped.
 */
export function parseChecksumFile(text: string): ChecksumEntry[] {
  const entries: ChecksumEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const bsd = BSD_LINE.exec(line);
    if (bsd) {
      const algorithm: ChecksumAlgorithm = bsd[1]!.toUpperCase().endsWith("256") ? "sha256" : "sha512";
      const hex = bsd[3]!.toLowerCase();
      if (hex.length === HEX_LENGTH[algorithm]) entries.push({ algorithm, hex, fileName: bsd[2]! });
      continue;
    }
    const gnu = GNU_LINE.exec(line);
    if (gnu) {
      const hex = gnu[1]!.toLowerCase();
      entries.push({ algorithm: hex.length === 64 ? "sha256" : "sha512", hex, fileName: gnu[2]! });
    }
  }
  return entries;
}

/**
 * The checksum of `fileName` (matched as listed, or by its last path segment: some files list
 * `./name` or `images/name`). SHA-512 is preferred when a file lists both.
 */
export function findChecksum(text: string, fileName: string): Checksum | undefined {
  const entries = parseChecksumFile(text).filter((entry) => entry.fileName === fileName || entry.fileName.split("/").at(-1) === fileName);
  const best = entries.find((entry) => entry.algorithm === "sha512") ?? entries[0];
  return best ? { algorithm: best.algorithm, hex: best.hex } : undefined;
}
