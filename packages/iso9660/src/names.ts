import type { DirectoryNode, TreeNode } from "./tree.js";
import { assignUniqueNames } from "./unique-names.js";

export type InterchangeLevel = 1 | 2;

interface Limits {
  directory: number;
  stem: (extensionLength: number) => number;
  extension: number;
}

/**
 * ECMA-119 7.5.1 / 7.6.3 and 10.1 / 10.2: level 1 is 8.3 names and 8-character folders; level 2
 * allows 30 characters for name plus extension and 31 for folders. Level-2 folders are kept to
 * 30 so that seven folders and a file always fit the 255-character path limit of 6.8.2.1.
 */
const LIMITS: Record<InterchangeLevel, Limits> = {
  1: { directory: 8, stem: () => 8, extension: 3 },
  2: { directory: 30, stem: (extensionLength) => 30 - extensionLength, extension: 10 },
};

/** ECMA-119 7.4.1: d-characters are A-Z, 0-9 and "_"; anything else becomes "_". */
function toDCharacters(text: string): string {
  let result = "";
  for (const character of text) {
    const upper = character.length === 1 && character >= "a" && character <= "z" ? character.toUpperCase() : character;
    result += /^[A-Z0-9_]$/.test(upper) ? upper : "_";
  }
  return result;
}

interface PrimaryParts {
  stem: string;
  extension: string;
  isDirectory: boolean;
}

function primaryParts(node: TreeNode, limits: Limits): PrimaryParts {
  if (node.kind === "directory") {
    return { stem: toDCharacters(node.name).slice(0, limits.directory), extension: "", isDirectory: true };
  }
  const dot = node.name.lastIndexOf(".");
  const rawStem = dot > 0 ? node.name.slice(0, dot) : node.name;
  const rawExtension = dot > 0 ? node.name.slice(dot + 1) : "";
  const extension = toDCharacters(rawExtension).slice(0, limits.extension);
  const stem = toDCharacters(rawStem).slice(0, limits.stem(extension.length));
  return { stem, extension, isDirectory: false };
}

/** ECMA-119 7.5.1: a file identifier always has the "." separator and here the version ";1". */
function identifierOf(parts: PrimaryParts, stem = parts.stem): string {
  return parts.isDirectory ? stem : `${stem}.${parts.extension};1`;
}

/**
 * Two names clash when a reader that drops ";1" and a trailing "." shows them the same: a file
 * "A." and a folder "A" would both appear as "A".
 */
function visibleKey(identifier: string): string {
  return identifier.replace(/;1$/, "").replace(/\.$/, "");
}

/** The ISO 9660 identifiers of a folder's children, unique within the folder. */
export function primaryIdentifiers(directory: DirectoryNode, level: InterchangeLevel): Map<TreeNode, string> {
  const limits = LIMITS[level];
  const parts = new Map(directory.children.map((child) => [child, primaryParts(child, limits)] as const));
  return assignUniqueNames(
    directory.children,
    (child) => identifierOf(parts.get(child)!),
    (child, attempt) => {
      const part = parts.get(child)!;
      const suffix = String(attempt);
      const maxStem = part.isDirectory ? limits.directory : limits.stem(part.extension.length);
      return identifierOf(part, part.stem.slice(0, Math.max(0, maxStem - suffix.length)) + suffix);
    },
    visibleKey,
  );
}
