import { writeUint16Both, writeUint32BE, writeUint32Both, writeUint32LE } from "./both-endian.js";
import { SECTOR_SIZE } from "./directory-records.js";
import { encodeUcs2BE, JOLIET_LEVEL_3_ESCAPE } from "./joliet.js";
import { longDate, unspecifiedLongDate } from "./timestamps.js";

/** ECMA-119 8.1.1 */
const TYPE_PRIMARY = 1;
const TYPE_SUPPLEMENTARY = 2;
const TYPE_TERMINATOR = 255;
const STANDARD_IDENTIFIER = "CD001";

export interface VolumeDescriptorFields {
  /** "joliet" writes a Supplementary Volume Descriptor with UCS-2 text (Joliet 1995, section 3). */
  kind: "primary" | "joliet";
  systemId: string;
  volumeId: string;
  volumeSetId: string;
  publisherId: string;
  dataPreparerId: string;
  applicationId: string;
  volumeSpaceSize: number;
  pathTableSize: number;
  typeLPathTable: number;
  typeMPathTable: number;
  /** The 34-byte record of the root directory (ECMA-119 8.4.18). */
  rootRecord: Uint8Array;
  epochSeconds: number;
}

function header(bytes: Uint8Array, type: number): void {
  bytes[0] = type;
  for (let i = 0; i < STANDARD_IDENTIFIER.length; i++) bytes[1 + i] = STANDARD_IDENTIFIER.charCodeAt(i);
  bytes[6] = 1;
}

/** ECMA-119 8.4: text fields are padded with spaces; Joliet pads with UCS-2 spaces (00 20). */
function writeText(bytes: Uint8Array, offset: number, length: number, text: string, joliet: boolean): void {
  if (joliet) {
    const encoded = encodeUcs2BE(text).subarray(0, length - (length % 2));
    bytes.set(encoded, offset);
    for (let i = encoded.length; i + 1 < length; i += 2) {
      bytes[offset + i] = 0x00;
      bytes[offset + i + 1] = 0x20;
    }
    if (length % 2) bytes[offset + length - 1] = 0x00;
    return;
  }
  for (let i = 0; i < length; i++) bytes[offset + i] = i < text.length ? text.charCodeAt(i) : 0x20;
}

/** ECMA-119 8.4 (primary) and 8.5 (supplementary); offsets below are 0-based (the spec's BP - 1). */
export function encodeVolumeDescriptor(fields: VolumeDescriptorFields): Uint8Array {
  const joliet = fields.kind === "joliet";
  const bytes = new Uint8Array(SECTOR_SIZE);
  header(bytes, joliet ? TYPE_SUPPLEMENTARY : TYPE_PRIMARY);
  writeText(bytes, 8, 32, fields.systemId, joliet);
  writeText(bytes, 40, 32, fields.volumeId, joliet);
  writeUint32Both(bytes, 80, fields.volumeSpaceSize);
  if (joliet) bytes.set(JOLIET_LEVEL_3_ESCAPE, 88);
  writeUint16Both(bytes, 120, 1); // volume set size
  writeUint16Both(bytes, 124, 1); // volume sequence number
  writeUint16Both(bytes, 128, SECTOR_SIZE);
  writeUint32Both(bytes, 132, fields.pathTableSize);
  writeUint32LE(bytes, 140, fields.typeLPathTable);
  writeUint32BE(bytes, 148, fields.typeMPathTable);
  bytes.set(fields.rootRecord, 156);
  writeText(bytes, 190, 128, fields.volumeSetId, joliet);
  writeText(bytes, 318, 128, fields.publisherId, joliet);
  writeText(bytes, 446, 128, fields.dataPreparerId, joliet);
  writeText(bytes, 574, 128, fields.applicationId, joliet);
  writeText(bytes, 702, 37, "", joliet); // copyright file
  writeText(bytes, 739, 37, "", joliet); // abstract file
  writeText(bytes, 776, 37, "", joliet); // bibliographic file
  const date = longDate(fields.epochSeconds);
  bytes.set(date, 813); // creation
  bytes.set(date, 830); // modification
  bytes.set(unspecifiedLongDate(), 847); // expiration
  bytes.set(date, 864); // effective
  bytes[881] = 1; // file structure version
  return bytes;
}

/** ECMA-119 8.3: the Volume Descriptor Set Terminator. */
export function encodeTerminator(): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  header(bytes, TYPE_TERMINATOR);
  return bytes;
}
