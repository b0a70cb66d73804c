import { writeUint32Both } from "./both-endian.js";
import { shortDate } from "./timestamps.js";
import type { DirectoryNode, TreeNode } from "./tree.js";

// SUSP 1.12 = IEEE P1281, RRIP 1.12 = IEEE P1282. Every entry: two signature bytes, the entry
// length, the entry version (SUSP 4.1), then its data.

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** SUSP 4.1: an entry's length is one byte. */
export const MAX_ENTRY_LENGTH = 255;
/** SUSP 5.1: a CE entry is always 28 bytes. */
export const CE_LENGTH = 28;

function entry(signature: string, dataLength: number): Uint8Array {
  const bytes = new Uint8Array(4 + dataLength);
  bytes[0] = signature.charCodeAt(0);
  bytes[1] = signature.charCodeAt(1);
  bytes[2] = bytes.length;
  bytes[3] = 1;
  return bytes;
}

/** SUSP 5.3: SP, first in the System Use field of the root's "." record; check bytes BE EF, LEN_SKP 0. */
export function suspIndicator(): Uint8Array {
  const bytes = entry("SP", 3);
  bytes[4] = 0xbe;
  bytes[5] = 0xef;
  bytes[6] = 0;
  return bytes;
}

const RRIP_ID = "IEEE_P1282";
const RRIP_DESCRIPTION = "THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.";
const RRIP_SOURCE = "PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION.";

/** SUSP 5.5 with RRIP 1.12 section 5: ER names the extension in use (identifier "IEEE_P1282", version 1). */
export function extensionsReference(): Uint8Array {
  const texts = [RRIP_ID, RRIP_DESCRIPTION, RRIP_SOURCE];
  const bytes = entry("ER", 4 + texts.reduce((sum, text) => sum + text.length, 0));
  bytes[4] = RRIP_ID.length;
  bytes[5] = RRIP_DESCRIPTION.length;
  bytes[6] = RRIP_SOURCE.length;
  bytes[7] = 1;
  let offset = 8;
  for (const text of texts) {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
    offset += text.length;
  }
  return bytes;
}

/**
 * RRIP 1.12 section 4.1.1: PX with mode, links, uid, gid and the file serial number (44 bytes;
 * 1.10 had no serial). Readers such as libisofs use the serial to detect hard links, so every
 * node gets its own.
 */
export function posixAttributes(options: { directory: boolean; permissions: number; links: number; serial: number }): Uint8Array {
  const bytes = entry("PX", 40);
  writeUint32Both(bytes, 4, (options.directory ? S_IFDIR : S_IFREG) | options.permissions);
  writeUint32Both(bytes, 12, options.links);
  writeUint32Both(bytes, 20, 0);
  writeUint32Both(bytes, 28, 0);
  writeUint32Both(bytes, 36, options.serial);
  return bytes;
}

const TF_MODIFY = 0x02;
const TF_ACCESS = 0x04;
const TF_ATTRIBUTES = 0x08;

/** RRIP 1.12 section 4.1.6: TF with modify, access and attribute-change times, 7-byte form. */
export function timestamps(epochSeconds: number): Uint8Array {
  const date = shortDate(epochSeconds);
  const bytes = entry("TF", 1 + 3 * date.length);
  bytes[4] = TF_MODIFY | TF_ACCESS | TF_ATTRIBUTES;
  for (let i = 0; i < 3; i++) bytes.set(date, 5 + i * date.length);
  return bytes;
}

const NM_CONTINUE = 0x01;
const NM_MAX_PART = MAX_ENTRY_LENGTH - 5;

/** RRIP 1.12 section 4.1.4: NM, split into several entries flagged CONTINUE when over 250 bytes. */
export function alternateName(nameBytes: Uint8Array): Uint8Array[] {
  const entries: Uint8Array[] = [];
  for (let start = 0; start < nameBytes.length || entries.length === 0; start += NM_MAX_PART) {
    const part = nameBytes.subarray(start, start + NM_MAX_PART);
    const bytes = entry("NM", 1 + part.length);
    bytes[4] = start + NM_MAX_PART < nameBytes.length ? NM_CONTINUE : 0;
    bytes.set(part, 5);
    entries.push(bytes);
  }
  return entries;
}

/** SUSP 5.1: CE points at the Continuation Area holding the rest of a System Use field. */
export function continuationEntry(block: number, offset: number, length: number): Uint8Array {
  const bytes = entry("CE", 24);
  writeUint32Both(bytes, 4, block);
  writeUint32Both(bytes, 12, offset);
  writeUint32Both(bytes, 20, length);
  return bytes;
}

export interface SystemUseSplit {
  /** Entries written in the directory record itself. */
  inline: Uint8Array[];
  /** Entries moved to a Continuation Area, announced by a CE entry after `inline`. */
  continued: Uint8Array[];
  /** Bytes the System Use field takes in the record, CE included. */
  inlineLength: number;
  continuedLength: number;
}

/**
 * Keeps as many entries as fit in `available` bytes of the record and moves the rest to a
 * Continuation Area, leaving room for the CE entry (SUSP 5.1). Order is kept, so SP stays first.
 */
export function splitSystemUse(entries: readonly Uint8Array[], available: number): SystemUseSplit {
  const total = entries.reduce((sum, item) => sum + item.length, 0);
  if (total <= available) return { inline: [...entries], continued: [], inlineLength: total, continuedLength: 0 };
  const inline: Uint8Array[] = [];
  let inlineLength = 0;
  let index = 0;
  while (index < entries.length && inlineLength + entries[index]!.length + CE_LENGTH <= available) {
    inlineLength += entries[index]!.length;
    inline.push(entries[index]!);
    index++;
  }
  const continued = entries.slice(index);
  return {
    inline,
    continued,
    inlineLength: inlineLength + CE_LENGTH,
    continuedLength: continued.reduce((sum, item) => sum + item.length, 0),
  };
}

/** PX serial numbers: the folders and files in name order, depth first, from 1. */
export function serialNumbers(root: DirectoryNode): Map<TreeNode, number> {
  const serials = new Map<TreeNode, number>();
  const visit = (node: TreeNode) => {
    serials.set(node, serials.size + 1);
    if (node.kind === "directory") node.children.forEach(visit);
  };
  visit(root);
  return serials;
}

/**
 * The Rock Ridge entries of one directory record: "." describes the folder, ".." its parent, and
 * a child record the child. Only child records carry NM (RRIP 4.1.4 leaves "." and ".." unnamed).
 */
export function recordEntries(options: {
  target: TreeNode;
  role: "self" | "parent" | "child";
  serial: number;
  epochSeconds: number;
  /** The record is "." of the root folder. */
  isRoot: boolean;
}): Uint8Array[] {
  const { target, role } = options;
  const directory = target.kind === "directory";
  const links = directory ? 2 + target.children.filter((child) => child.kind === "directory").length : 1;
  const attributes = [
    posixAttributes({ directory, permissions: target.mode, links, serial: options.serial }),
    timestamps(options.epochSeconds),
  ];
  if (role === "self" && options.isRoot) {
    // SUSP 5.3: SP opens the root's "." record; SUSP 5.5: ER may sit in its Continuation Area.
    return [suspIndicator(), ...attributes, extensionsReference()];
  }
  if (role === "child") return [...attributes, ...alternateName(target.nameBytes)];
  return attributes;
}
