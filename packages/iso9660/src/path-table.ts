import { writeUint16BE, writeUint16LE, writeUint32BE, writeUint32LE } from "./both-endian.js";

export interface PathTableEntry {
  /** The root's identifier is the single byte 0x00 (ECMA-119 6.9.2). */
  identifier: Uint8Array;
  location: number;
  /** 1-based number of the parent's entry; the root is its own parent. */
  parentNumber: number;
}

/** ECMA-119 9.4: 8 fixed bytes, the identifier, and a padding byte when its length is odd. */
function entryLength(identifierLength: number): number {
  return 8 + identifierLength + (identifierLength % 2);
}

export function pathTableSize(entries: readonly PathTableEntry[]): number {
  return entries.reduce((sum, entry) => sum + entryLength(entry.identifier.length), 0);
}

/**
 * ECMA-119 9.4: the type L table stores numbers little-endian, type M big-endian. Callers pass the
 * entries already in 6.9.1 order (level, then parent number, then identifier).
 */
export function encodePathTable(entries: readonly PathTableEntry[], bigEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(pathTableSize(entries));
  let offset = 0;
  for (const entry of entries) {
    bytes[offset] = entry.identifier.length;
    bytes[offset + 1] = 0;
    if (bigEndian) {
      writeUint32BE(bytes, offset + 2, entry.location);
      writeUint16BE(bytes, offset + 6, entry.parentNumber);
    } else {
      writeUint32LE(bytes, offset + 2, entry.location);
      writeUint16LE(bytes, offset + 6, entry.parentNumber);
    }
    bytes.set(entry.identifier, offset + 8);
    offset += entryLength(entry.identifier.length);
  }
  return bytes;
}
