import type { DirectoryNode, TreeNode } from "./tree.js";
import { assignUniqueNames } from "./unique-names.js";

/** Joliet 1995, section 3.3: escape sequence "%/E" announces UCS-2 level 3. */
export const JOLIET_LEVEL_3_ESCAPE = Uint8Array.of(0x25, 0x2f, 0x45);
/** Joliet 1995, section 3.3: an identifier holds at most 64 UCS-2 characters (128 bytes). */
export const JOLIET_MAX_NAME_UNITS = 64;
/** Keep an extension when shortening a name only if it is this short, as a human would. */
const MAX_KEPT_EXTENSION_UNITS = 16;

/** Joliet 1995, section 3.2: these characters and controls below U+0020 are not allowed in names. */
const FORBIDDEN = /[\u0000-\u001f*/:;?\\]/g;

/** UCS-2 big-endian, one 16-bit unit for each UTF-16 code unit (a surrogate pair stays a pair). */
export function encodeUcs2BE(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[i * 2] = unit >>> 8;
    bytes[i * 2 + 1] = unit & 0xff;
  }
  return bytes;
}

/** Cuts to at most `units` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, units: number): string {
  if (text.length <= units) return text;
  let end = Math.max(0, units);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

interface JolietParts {
  stem: string;
  extension: string;
}

function jolietParts(node: TreeNode): JolietParts {
  const mapped = node.name.replace(FORBIDDEN, "_");
  const dot = mapped.lastIndexOf(".");
  const keepExtension = node.kind === "file" && dot > 0 && mapped.length - dot <= MAX_KEPT_EXTENSION_UNITS;
  return keepExtension ? { stem: mapped.slice(0, dot), extension: mapped.slice(dot) } : { stem: mapped, extension: "" };
}

function joined(part: JolietParts, suffix = ""): string {
  return cut(part.stem, JOLIET_MAX_NAME_UNITS - part.extension.length - suffix.length) + suffix + part.extension;
}

/**
 * The Joliet names of a folder's children: the real name with forbidden characters replaced by
 * "_", cut to 64 units (keeping a short extension), and made unique with "~N" before the extension.
 * No ";1" version is written: readers strip it anyway and genisoimage omits it too.
 */
export function jolietNames(directory: DirectoryNode): Map<TreeNode, string> {
  const parts = new Map(directory.children.map((child) => [child, jolietParts(child)] as const));
  return assignUniqueNames(
    directory.children,
    (child) => joined(parts.get(child)!),
    (child, attempt) => joined(parts.get(child)!, `~${attempt}`),
  );
}
