import { IsoError } from "./errors.js";

export interface IsoFileInput {
  /** Relative path, segments separated by "/": `meta-data`, `scripts/setup.sh`. */
  path: string;
  /** File contents; a string is written as UTF-8. */
  data: Uint8Array | string;
  /** Permission bits (0 to 0o7777) recorded in Rock Ridge; default 0o644. */
  mode?: number;
}

export interface IsoDirectoryInput {
  /** Relative path of a folder to create even if empty, or to give a mode. */
  path: string;
  /** Permission bits (0 to 0o7777) recorded in Rock Ridge; default 0o755. */
  mode?: number;
}

export interface FileNode {
  kind: "file";
  name: string;
  /** The name as UTF-8, exactly as Rock Ridge NM records it. */
  nameBytes: Uint8Array;
  path: string;
  data: Uint8Array;
  mode: number;
  parent: DirectoryNode;
}

export interface DirectoryNode {
  kind: "directory";
  name: string;
  nameBytes: Uint8Array;
  path: string;
  mode: number;
  parent: DirectoryNode | null;
  /** ECMA-119 6.8.2.1: the root is level 1. */
  level: number;
  /** Children sorted by their UTF-8 name bytes, so every later step is independent of input order. */
  children: TreeNode[];
}

export type TreeNode = FileNode | DirectoryNode;

export const DEFAULT_FILE_MODE = 0o644;
export const DEFAULT_DIRECTORY_MODE = 0o755;
/** Rock Ridge names (RRIP 4.1.4) and the file systems of every guest we target stop at 255 bytes. */
export const MAX_NAME_BYTES = 255;
/** ECMA-119 6.8.2.1: the hierarchy has at most eight levels, the root being the first. */
export const MAX_LEVEL = 8;
/** A single ECMA-119 extent records its length in 32 bits (9.1.4); multi-extent files are not written. */
export const MAX_FILE_BYTES = 0xffff_ffff;

const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function describe(path: unknown): string {
  return JSON.stringify(path);
}

function splitPath(path: unknown, what: string): string[] {
  if (typeof path !== "string" || path === "") {
    throw new IsoError("ISO_BAD_PATH", `${what} path must be a non-empty string, got ${describe(path)}`);
  }
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "") {
      throw new IsoError(
        "ISO_BAD_PATH",
        `${what} path ${describe(path)} must be relative with no empty segment (no leading, trailing or doubled "/")`,
        path,
      );
    }
    if (segment === "." || segment === "..") {
      throw new IsoError("ISO_DOT_SEGMENT", `${what} path ${describe(path)} must not contain a "${segment}" segment`, path);
    }
    if (segment.includes("\0")) {
      throw new IsoError("ISO_ILLEGAL_CHARACTER", `${what} path ${describe(path)} contains a NUL character`, path);
    }
    if (LONE_SURROGATE.test(segment)) {
      throw new IsoError(
        "ISO_ILLEGAL_CHARACTER",
        `${what} path ${describe(path)} contains a lone UTF-16 surrogate, which has no UTF-8 form`,
        path,
      );
    }
    const bytes = utf8.encode(segment).length;
    if (bytes > MAX_NAME_BYTES) {
      throw new IsoError(
        "ISO_NAME_TOO_LONG",
        `${what} path ${describe(path)} has a name of ${bytes} UTF-8 bytes; at most ${MAX_NAME_BYTES} are supported`,
        path,
      );
    }
  }
  return segments;
}

function checkMode(mode: unknown, path: string): void {
  if (mode === undefined) return;
  if (typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new IsoError(
      "ISO_BAD_MODE",
      `mode of ${describe(path)} must be permission bits between 0 and 0o7777, got ${String(mode)}`,
      path,
    );
  }
}

function toBytes(data: unknown, path: string): Uint8Array {
  if (typeof data === "string") return utf8.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new IsoError("ISO_BAD_DATA", `data of ${describe(path)} must be a Uint8Array or a string`, path);
}

function newDirectory(name: string, path: string, parent: DirectoryNode | null): DirectoryNode {
  return {
    kind: "directory",
    name,
    nameBytes: utf8.encode(name),
    path,
    mode: DEFAULT_DIRECTORY_MODE,
    parent,
    level: parent ? parent.level + 1 : 1,
    children: [],
  };
}

/** Checks every input path and builds the folder tree they describe. */
export function buildTree(files: readonly IsoFileInput[], directories: readonly IsoDirectoryInput[]): DirectoryNode {
  const root = newDirectory("", "", null);
  const byPath = new Map<string, TreeNode>([["", root]]);
  const explicitDirectories = new Set<string>();

  const ensureDirectory = (segments: string[], count: number, originalPath: string): DirectoryNode => {
    let current = root;
    for (let i = 0; i < count; i++) {
      const path = segments.slice(0, i + 1).join("/");
      const existing = byPath.get(path);
      if (existing?.kind === "file") {
        throw new IsoError(
          "ISO_PATH_CONFLICT",
          `${describe(path)} is a file, so ${describe(originalPath)} cannot be inside it`,
          originalPath,
        );
      }
      if (existing) {
        current = existing;
        continue;
      }
      if (current.level + 1 > MAX_LEVEL) {
        throw new IsoError(
          "ISO_TOO_DEEP",
          `${describe(originalPath)} needs more than ${MAX_LEVEL - 1} nested folders; ISO 9660 allows ${MAX_LEVEL} directory levels including the root`,
          originalPath,
        );
      }
      const created = newDirectory(segments[i]!, path, current);
      current.children.push(created);
      byPath.set(path, created);
      current = created;
    }
    return current;
  };

  if (!Array.isArray(directories)) throw new IsoError("ISO_BAD_OPTIONS", "directories must be an array");
  for (const entry of directories) {
    if (typeof entry !== "object" || entry === null) {
      throw new IsoError("ISO_BAD_OPTIONS", "each directory must be an object with a path");
    }
    const segments = splitPath(entry.path, "directory");
    const path = segments.join("/");
    checkMode(entry.mode, path);
    if (explicitDirectories.has(path)) {
      throw new IsoError("ISO_DUPLICATE_PATH", `directory ${describe(path)} is listed twice`, path);
    }
    explicitDirectories.add(path);
    const directory = ensureDirectory(segments, segments.length, path);
    if (entry.mode !== undefined) directory.mode = entry.mode;
  }

  if (!Array.isArray(files)) throw new IsoError("ISO_BAD_OPTIONS", "files must be an array");
  for (const entry of files) {
    if (typeof entry !== "object" || entry === null) {
      throw new IsoError("ISO_BAD_OPTIONS", "each file must be an object with a path and data");
    }
    const segments = splitPath(entry.path, "file");
    const path = segments.join("/");
    checkMode(entry.mode, path);
    const existing = byPath.get(path);
    if (existing?.kind === "file") {
      throw new IsoError("ISO_DUPLICATE_PATH", `file ${describe(path)} is listed twice`, path);
    }
    if (existing) {
      throw new IsoError("ISO_PATH_CONFLICT", `${describe(path)} is given as a file but is also a folder`, path);
    }
    const data = toBytes(entry.data, path);
    if (data.length > MAX_FILE_BYTES) {
      throw new IsoError(
        "ISO_FILE_TOO_LARGE",
        `file ${describe(path)} has ${data.length} bytes; files above ${MAX_FILE_BYTES} bytes (4 GiB - 1) would need multi-extent records, which are not supported`,
        path,
      );
    }
    const parent = ensureDirectory(segments, segments.length - 1, path);
    const name = segments[segments.length - 1]!;
    const file: FileNode = {
      kind: "file",
      name,
      nameBytes: utf8.encode(name),
      path,
      data,
      mode: entry.mode ?? DEFAULT_FILE_MODE,
      parent,
    };
    parent.children.push(file);
    byPath.set(path, file);
  }

  sortChildren(root);
  return root;
}

function sortChildren(directory: DirectoryNode): void {
  directory.children.sort((a, b) => compareBytes(a.nameBytes, b.nameBytes));
  for (const child of directory.children) if (child.kind === "directory") sortChildren(child);
}

/** Folders in path-table order (ECMA-119 6.9.1): by level, then by parent, then by `order`. */
export function directoriesBreadthFirst(
  root: DirectoryNode,
  childOrder: (directory: DirectoryNode) => readonly TreeNode[],
): DirectoryNode[] {
  const result: DirectoryNode[] = [root];
  for (let i = 0; i < result.length; i++) {
    for (const child of childOrder(result[i]!)) if (child.kind === "directory") result.push(child);
  }
  return result;
}
