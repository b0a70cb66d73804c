import { writeUint16Both, writeUint32Both } from "./both-endian.js";

export const SECTOR_SIZE = 2048;
/** ECMA-119 9.1.12: the fixed part of a directory record before the identifier. */
const FIXED_LENGTH = 33;
/** ECMA-119 9.1.1: the record length is one byte; kept even so the next record starts aligned. */
export const MAX_RECORD_LENGTH = 254;
/** ECMA-119 6.8.2.2: "." is the single byte 0x00 and ".." the single byte 0x01. */
export const CURRENT_DIRECTORY = Uint8Array.of(0x00);
export const PARENT_DIRECTORY = Uint8Array.of(0x01);
const FLAG_DIRECTORY = 0x02;

export interface DirectoryRecordFields {
  identifier: Uint8Array;
  location: number;
  dataLength: number;
  directory: boolean;
  /** ECMA-119 9.1.5, seven bytes. */
  date: Uint8Array;
  systemUse?: readonly Uint8Array[];
}

/** ECMA-119 9.1.12: a padding byte follows an identifier of even length. */
export function identifierFieldLength(identifierLength: number): number {
  return identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
}

/** Room left for the System Use field (ECMA-119 9.1.13) in a record with this identifier. */
export function systemUseRoom(identifierLength: number): number {
  return MAX_RECORD_LENGTH - FIXED_LENGTH - identifierFieldLength(identifierLength);
}

export function directoryRecordLength(identifierLength: number, systemUseLength = 0): number {
  const length = FIXED_LENGTH + identifierFieldLength(identifierLength) + systemUseLength;
  return length + (length % 2);
}

/** ECMA-119 9.1: one directory record. */
export function encodeDirectoryRecord(fields: DirectoryRecordFields): Uint8Array {
  const systemUseLength = (fields.systemUse ?? []).reduce((sum, item) => sum + item.length, 0);
  const length = directoryRecordLength(fields.identifier.length, systemUseLength);
  if (length > 255) throw new RangeError(`directory record of ${length} bytes`);
  const bytes = new Uint8Array(length);
  bytes[0] = length;
  bytes[1] = 0; // no extended attribute record
  writeUint32Both(bytes, 2, fields.location);
  writeUint32Both(bytes, 10, fields.dataLength);
  bytes.set(fields.date, 18);
  bytes[25] = fields.directory ? FLAG_DIRECTORY : 0;
  bytes[26] = 0; // not interleaved
  bytes[27] = 0;
  writeUint16Both(bytes, 28, 1); // volume sequence number
  bytes[32] = fields.identifier.length;
  bytes.set(fields.identifier, 33);
  let offset = FIXED_LENGTH + identifierFieldLength(fields.identifier.length);
  for (const item of fields.systemUse ?? []) {
    bytes.set(item, offset);
    offset += item.length;
  }
  return bytes;
}

/**
 * ECMA-119 6.8.1.1: a record never crosses a sector boundary; the rest of a sector stays zero.
 * Returns each record's offset in the directory and the directory's size in whole sectors.
 */
export function packRecords(lengths: readonly number[]): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let position = 0;
  for (const length of lengths) {
    const room = SECTOR_SIZE - (position % SECTOR_SIZE);
    if (length > room) position += room;
    offsets.push(position);
    position += length;
  }
  return { offsets, size: Math.max(1, Math.ceil(position / SECTOR_SIZE)) * SECTOR_SIZE };
}

/** Compares as if the shorter string were padded with spaces (ECMA-119 9.3). */
function comparePadded(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (i < a.length ? a.charCodeAt(i) : 0x20) - (i < b.length ? b.charCodeAt(i) : 0x20);
    if (difference !== 0) return difference;
  }
  return 0;
}

function splitIdentifier(identifier: string): { name: string; extension: string; version: number } {
  const semicolon = identifier.lastIndexOf(";");
  const withoutVersion = semicolon >= 0 ? identifier.slice(0, semicolon) : identifier;
  const version = semicolon >= 0 ? Number(identifier.slice(semicolon + 1)) : 0;
  const dot = withoutVersion.indexOf(".");
  return dot >= 0
    ? { name: withoutVersion.slice(0, dot), extension: withoutVersion.slice(dot + 1), version }
    : { name: withoutVersion, extension: "", version };
}

/** ECMA-119 9.3: by file name, then extension (both space padded), then version descending. */
export function comparePrimaryIdentifiers(a: string, b: string): number {
  const left = splitIdentifier(a);
  const right = splitIdentifier(b);
  return (
    comparePadded(left.name, right.name) ||
    comparePadded(left.extension, right.extension) ||
    right.version - left.version
  );
}

/** Joliet names are ordered by the same rule applied to their UCS-2 units; ties go shortest first. */
export function compareJolietNames(a: string, b: string): number {
  return comparePadded(a, b) || a.length - b.length;
}
