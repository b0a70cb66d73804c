// A small, independent reader used to check the structure of our images field by field.
export const SECTOR = 2048;

export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
export function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Reads a both-endian 32-bit field and fails when its two halves disagree. */
export function both32(b: Uint8Array, o: number): number {
  const little = u32le(b, o);
  const big = u32be(b, o + 4);
  if (little !== big) throw new Error(`both-endian mismatch at ${o}: ${little} vs ${big}`);
  return little;
}
export function both16(b: Uint8Array, o: number): number {
  const little = u16le(b, o);
  const big = u16be(b, o + 2);
  if (little !== big) throw new Error(`both-endian mismatch at ${o}: ${little} vs ${big}`);
  return little;
}

export interface Record {
  /** Absolute byte offset of the record in the image. */
  at: number;
  length: number;
  location: number;
  dataLength: number;
  directory: boolean;
  identifier: Uint8Array;
  systemUse: Uint8Array;
}

export function parseRecord(image: Uint8Array, at: number): Record {
  const length = image[at]!;
  const identifierLength = image[at + 32]!;
  const identifier = image.subarray(at + 33, at + 33 + identifierLength);
  const systemUseStart = at + 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
  both16(image, at + 28);
  return {
    at,
    length,
    location: both32(image, at + 2),
    dataLength: both32(image, at + 10),
    directory: (image[at + 25]! & 2) !== 0,
    identifier,
    systemUse: image.subarray(systemUseStart, at + length),
  };
}

/** Every record of a directory extent, following ECMA-119 6.8.1.1 (a zero length byte ends a sector). */
export function directoryRecords(image: Uint8Array, location: number, size: number): Record[] {
  const records: Record[] = [];
  const start = location * SECTOR;
  let offset = 0;
  while (offset < size) {
    const length = image[start + offset]!;
    if (length === 0) {
      offset = (Math.floor(offset / SECTOR) + 1) * SECTOR;
      continue;
    }
    const record = parseRecord(image, start + offset);
    if (Math.floor(offset / SECTOR) !== Math.floor((offset + length - 1) / SECTOR)) {
      throw new Error(`record at ${start + offset} crosses a sector boundary`);
    }
    records.push(record);
    offset += length;
  }
  return records;
}

export interface SuspEntry {
  signature: string;
  data: Uint8Array;
  version: number;
}

/** The System Use entries of a record, following CE into its Continuation Area. */
export function suspEntries(image: Uint8Array, systemUse: Uint8Array): SuspEntry[] {
  const entries: SuspEntry[] = [];
  let area: Uint8Array | undefined = systemUse;
  while (area) {
    let next: Uint8Array | undefined;
    let offset = 0;
    while (offset + 4 <= area.length) {
      const signature = String.fromCharCode(area[offset]!, area[offset + 1]!);
      const length = area[offset + 2]!;
      if (length < 4) break;
      const entry = { signature, version: area[offset + 3]!, data: area.subarray(offset + 4, offset + length) };
      entries.push(entry);
      if (signature === "CE") {
        const block = both32(entry.data, 0);
        const at = both32(entry.data, 8);
        const size = both32(entry.data, 16);
        if (at + size > SECTOR) throw new Error("continuation area crosses a sector");
        next = image.subarray(block * SECTOR + at, block * SECTOR + at + size);
      }
      offset += length;
    }
    area = next;
  }
  return entries;
}

export interface PathTableRow {
  identifier: Uint8Array;
  location: number;
  parent: number;
}

export function pathTable(image: Uint8Array, location: number, size: number, bigEndian: boolean): PathTableRow[] {
  const rows: PathTableRow[] = [];
  const start = location * SECTOR;
  let offset = 0;
  while (offset < size) {
    const at = start + offset;
    const length = image[at]!;
    rows.push({
      identifier: image.subarray(at + 8, at + 8 + length),
      location: bigEndian ? u32be(image, at + 2) : u32le(image, at + 2),
      parent: bigEndian ? u16be(image, at + 6) : u16le(image, at + 6),
    });
    offset += 8 + length + (length % 2);
  }
  if (offset !== size) throw new Error("path table size does not end on an entry");
  return rows;
}

export interface Descriptor {
  type: number;
  volumeSpaceSize: number;
  pathTableSize: number;
  typeL: number;
  typeM: number;
  root: Record;
  raw: Uint8Array;
}

export function descriptor(image: Uint8Array, sector: number): Descriptor {
  const raw = image.subarray(sector * SECTOR, (sector + 1) * SECTOR);
  return {
    type: raw[0]!,
    volumeSpaceSize: both32(raw, 80),
    pathTableSize: both32(raw, 132),
    typeL: u32le(raw, 140),
    typeM: u32be(raw, 148),
    root: parseRecord(image, sector * SECTOR + 156),
    raw,
  };
}

export const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
export const ucs2 = (bytes: Uint8Array) => Buffer.from(bytes).swap16().toString("utf16le");
