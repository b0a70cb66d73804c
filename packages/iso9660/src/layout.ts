import { constants as bufferConstants } from "node:buffer";
import {
  comparePrimaryIdentifiers,
  compareJolietNames,
  CURRENT_DIRECTORY,
  directoryRecordLength,
  packRecords,
  PARENT_DIRECTORY,
  SECTOR_SIZE,
  systemUseRoom,
} from "./directory-records.js";
import { IsoError } from "./errors.js";
import { encodeUcs2BE, jolietNames } from "./joliet.js";
import { primaryIdentifiers, type InterchangeLevel } from "./names.js";
import { pathTableSize, type PathTableEntry } from "./path-table.js";
import { recordEntries, serialNumbers, splitSystemUse, type SystemUseSplit } from "./rock-ridge.js";
import { directoriesBreadthFirst, type DirectoryNode, type FileNode, type TreeNode } from "./tree.js";

/** ECMA-119 6.2.1: sectors 0 to 15 are the System Area; descriptors start at 16. */
export const PRIMARY_DESCRIPTOR_SECTOR = 16;
export const JOLIET_DESCRIPTOR_SECTOR = 17;
export const TERMINATOR_SECTOR = 18;
/** ECMA-119 9.4.4: the parent directory number is 16 bits. */
const MAX_DIRECTORIES = 0xffff;

export interface PrimaryRecordPlan {
  /** The node whose attributes the record carries ("." is the folder, ".." its parent). */
  target: TreeNode;
  identifier: Uint8Array;
  offset: number;
  systemUse: SystemUseSplit;
  /** Where the Continuation Area of this record lives, when it has one. */
  continuation: { block: number; offset: number } | undefined;
}

export interface JolietRecordPlan {
  target: TreeNode;
  identifier: Uint8Array;
  offset: number;
}

export interface DirectoryPlan {
  node: DirectoryNode;
  primary: { location: number; size: number; records: PrimaryRecordPlan[] };
  joliet: { location: number; size: number; records: JolietRecordPlan[] };
}

export interface ImagePlan {
  epochSeconds: number;
  root: DirectoryNode;
  /** Folders in primary path-table order, then the same folders in Joliet path-table order. */
  primaryOrder: DirectoryNode[];
  jolietOrder: DirectoryNode[];
  directories: Map<DirectoryNode, DirectoryPlan>;
  primaryNames: Map<TreeNode, string>;
  jolietNames: Map<TreeNode, string>;
  primaryPathTable: { entries: PathTableEntry[]; size: number; typeL: number; typeM: number };
  jolietPathTable: { entries: PathTableEntry[]; size: number; typeL: number; typeM: number };
  continuationAreas: { block: number; offset: number; entries: Uint8Array[] }[];
  files: { node: FileNode; location: number }[];
  fileLocations: Map<FileNode, number>;
  volumeSpaceSize: number;
}

const sectorsFor = (bytes: number) => Math.ceil(bytes / SECTOR_SIZE);

function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

interface Namespaces {
  primaryNames: Map<TreeNode, string>;
  jolietNames: Map<TreeNode, string>;
  /** Each folder's children in the record order of its namespace (ECMA-119 9.3). */
  primaryChildren: Map<DirectoryNode, TreeNode[]>;
  jolietChildren: Map<DirectoryNode, TreeNode[]>;
}

function nameEverything(root: DirectoryNode, level: InterchangeLevel): Namespaces {
  const result: Namespaces = {
    primaryNames: new Map(),
    jolietNames: new Map(),
    primaryChildren: new Map(),
    jolietChildren: new Map(),
  };
  const visit = (directory: DirectoryNode) => {
    for (const [child, name] of primaryIdentifiers(directory, level)) result.primaryNames.set(child, name);
    for (const [child, name] of jolietNames(directory)) result.jolietNames.set(child, name);
    const byPrimary = (a: TreeNode, b: TreeNode) =>
      comparePrimaryIdentifiers(result.primaryNames.get(a)!, result.primaryNames.get(b)!);
    const byJoliet = (a: TreeNode, b: TreeNode) =>
      compareJolietNames(result.jolietNames.get(a)!, result.jolietNames.get(b)!);
    result.primaryChildren.set(directory, [...directory.children].sort(byPrimary));
    result.jolietChildren.set(directory, [...directory.children].sort(byJoliet));
    for (const child of directory.children) if (child.kind === "directory") visit(child);
  };
  visit(root);
  return result;
}

/** The records of one folder in both trees, with their offsets; locations are filled in later. */
function planDirectory(
  directory: DirectoryNode,
  context: {
    root: DirectoryNode;
    names: Namespaces;
    serials: Map<TreeNode, number>;
    epochSeconds: number;
    primaryIdentifier: (node: TreeNode) => Uint8Array;
    jolietIdentifier: (node: TreeNode) => Uint8Array;
  },
): DirectoryPlan {
  const parent = directory.parent ?? directory;
  const primarySlots = [
    { target: directory, identifier: CURRENT_DIRECTORY, role: "self" as const },
    { target: parent, identifier: PARENT_DIRECTORY, role: "parent" as const },
    ...context.names.primaryChildren.get(directory)!.map((child) => ({
      target: child,
      identifier: context.primaryIdentifier(child),
      role: "child" as const,
    })),
  ];
  const primaryRecords: PrimaryRecordPlan[] = primarySlots.map(({ target, identifier, role }) => ({
    target,
    identifier,
    offset: 0,
    systemUse: splitSystemUse(
      recordEntries({
        target,
        role,
        serial: context.serials.get(target)!,
        epochSeconds: context.epochSeconds,
        isRoot: directory === context.root,
      }),
      systemUseRoom(identifier.length),
    ),
    continuation: undefined,
  }));
  const primaryPacking = packRecords(
    primaryRecords.map((record) => directoryRecordLength(record.identifier.length, record.systemUse.inlineLength)),
  );
  primaryRecords.forEach((record, index) => (record.offset = primaryPacking.offsets[index]!));

  const jolietRecords: JolietRecordPlan[] = [
    { target: directory, identifier: CURRENT_DIRECTORY, offset: 0 },
    { target: parent, identifier: PARENT_DIRECTORY, offset: 0 },
    ...context.names.jolietChildren
      .get(directory)!
      .map((child) => ({ target: child, identifier: context.jolietIdentifier(child), offset: 0 })),
  ];
  const jolietPacking = packRecords(jolietRecords.map((record) => directoryRecordLength(record.identifier.length)));
  jolietRecords.forEach((record, index) => (record.offset = jolietPacking.offsets[index]!));

  return {
    node: directory,
    primary: { location: 0, size: primaryPacking.size, records: primaryRecords },
    joliet: { location: 0, size: jolietPacking.size, records: jolietRecords },
  };
}

export function planImage(
  root: DirectoryNode,
  options: { epochSeconds: number; interchangeLevel: InterchangeLevel; paddingSectors: number },
): ImagePlan {
  const folderCount = directoriesBreadthFirst(root, (directory) => directory.children).length;
  if (folderCount > MAX_DIRECTORIES) {
    throw new IsoError(
      "ISO_IMAGE_TOO_LARGE",
      `${folderCount} folders: an ISO 9660 path table numbers at most ${MAX_DIRECTORIES}`,
    );
  }
  const names = nameEverything(root, options.interchangeLevel);
  const primaryOrder = directoriesBreadthFirst(root, (directory) => names.primaryChildren.get(directory)!);
  const jolietOrder = directoriesBreadthFirst(root, (directory) => names.jolietChildren.get(directory)!);

  // ECMA-119 6.8.2.2 and 9.4.5: the root is named by the single byte 0x00 in records and path tables.
  const primaryIdentifier = (node: TreeNode) =>
    node === root ? CURRENT_DIRECTORY : asciiBytes(names.primaryNames.get(node)!);
  const jolietIdentifier = (node: TreeNode) =>
    node === root ? CURRENT_DIRECTORY : encodeUcs2BE(names.jolietNames.get(node)!);

  const context = {
    root,
    names,
    serials: serialNumbers(root),
    epochSeconds: options.epochSeconds,
    primaryIdentifier,
    jolietIdentifier,
  };
  const directories = new Map(primaryOrder.map((directory) => [directory, planDirectory(directory, context)] as const));

  const pathTableEntries = (order: DirectoryNode[], identifierOf: (node: TreeNode) => Uint8Array) => {
    const numbers = new Map(order.map((directory, index) => [directory, index + 1] as const));
    return order.map((directory) => ({
      identifier: identifierOf(directory),
      location: 0,
      parentNumber: numbers.get(directory.parent ?? directory)!,
    }));
  };
  const primaryEntries = pathTableEntries(primaryOrder, primaryIdentifier);
  const jolietEntries = pathTableEntries(jolietOrder, jolietIdentifier);

  // Sector allocation, in the order the image is written.
  let next = TERMINATOR_SECTOR + 1;
  const allocate = (bytes: number) => {
    const start = next;
    next += sectorsFor(bytes);
    return start;
  };
  const primaryTableSize = pathTableSize(primaryEntries);
  const jolietTableSize = pathTableSize(jolietEntries);
  const primaryPathTable = {
    entries: primaryEntries,
    size: primaryTableSize,
    typeL: allocate(primaryTableSize),
    typeM: allocate(primaryTableSize),
  };
  const jolietPathTable = {
    entries: jolietEntries,
    size: jolietTableSize,
    typeL: allocate(jolietTableSize),
    typeM: allocate(jolietTableSize),
  };

  primaryOrder.forEach((directory, index) => {
    const plan = directories.get(directory)!;
    plan.primary.location = allocate(plan.primary.size);
    primaryEntries[index]!.location = plan.primary.location;
  });

  // SUSP 5.1: a Continuation Area here never spans two sectors, as Linux requires of it.
  const continuationAreas: ImagePlan["continuationAreas"] = [];
  const continuationStart = next;
  let continuationBytes = 0;
  for (const directory of primaryOrder) {
    for (const record of directories.get(directory)!.primary.records) {
      const length = record.systemUse.continuedLength;
      if (length === 0) continue;
      const room = SECTOR_SIZE - (continuationBytes % SECTOR_SIZE);
      if (length > room) continuationBytes += room;
      record.continuation = {
        block: continuationStart + Math.floor(continuationBytes / SECTOR_SIZE),
        offset: continuationBytes % SECTOR_SIZE,
      };
      continuationAreas.push({ ...record.continuation, entries: record.systemUse.continued });
      continuationBytes += length;
    }
  }
  allocate(continuationBytes);

  jolietOrder.forEach((directory, index) => {
    const plan = directories.get(directory)!;
    plan.joliet.location = allocate(plan.joliet.size);
    jolietEntries[index]!.location = plan.joliet.location;
  });

  // File data in primary folder order; an empty file has no data and points at sector 0.
  const files: ImagePlan["files"] = [];
  const fileLocations = new Map<FileNode, number>();
  for (const directory of primaryOrder) {
    for (const child of names.primaryChildren.get(directory)!) {
      if (child.kind !== "file") continue;
      const location = child.data.length === 0 ? 0 : allocate(child.data.length);
      files.push({ node: child, location });
      fileLocations.set(child, location);
    }
  }
  const volumeSpaceSize = next + options.paddingSectors;
  if (volumeSpaceSize * SECTOR_SIZE > bufferConstants.MAX_LENGTH || volumeSpaceSize > 0xffff_ffff) {
    throw new IsoError(
      "ISO_IMAGE_TOO_LARGE",
      `the image would take ${volumeSpaceSize * SECTOR_SIZE} bytes, more than one Uint8Array can hold here (${bufferConstants.MAX_LENGTH})`,
    );
  }

  return {
    epochSeconds: options.epochSeconds,
    root,
    primaryOrder,
    jolietOrder,
    directories,
    primaryNames: names.primaryNames,
    jolietNames: names.jolietNames,
    primaryPathTable,
    jolietPathTable,
    continuationAreas,
    files,
    fileLocations,
    volumeSpaceSize,
  };
}
