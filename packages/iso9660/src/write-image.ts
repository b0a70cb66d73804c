import { continuationEntry } from "./rock-ridge.js";
import { encodeDirectoryRecord, SECTOR_SIZE } from "./directory-records.js";
import {
  JOLIET_DESCRIPTOR_SECTOR,
  PRIMARY_DESCRIPTOR_SECTOR,
  TERMINATOR_SECTOR,
  type DirectoryPlan,
  type ImagePlan,
} from "./layout.js";
import { encodePathTable } from "./path-table.js";
import type { ResolvedOptions } from "./options.js";
import { shortDate } from "./timestamps.js";
import type { TreeNode } from "./tree.js";
import { encodeTerminator, encodeVolumeDescriptor } from "./volume-descriptors.js";

export type DescriptorTexts = Pick<ResolvedOptions, "volumeId" | "systemId" | "volumeSetId" | "publisher" | "dataPreparer" | "applicationId">;

/** Joliet 1995 section 3: the Supplementary descriptor's volume identifier holds 16 UCS-2 characters. */
const JOLIET_VOLUME_ID_UNITS = 16;

export function writeImage(plan: ImagePlan, texts: DescriptorTexts): Uint8Array {
  const image = new Uint8Array(plan.volumeSpaceSize * SECTOR_SIZE);
  const date = shortDate(plan.epochSeconds);
  const at = (sector: number) => sector * SECTOR_SIZE;

  // Where a node's data lives and how long it is, in one namespace.
  const extentOf = (node: TreeNode, namespace: "primary" | "joliet") =>
    node.kind === "directory"
      ? { location: plan.directories.get(node)![namespace].location, dataLength: plan.directories.get(node)![namespace].size }
      : { location: plan.fileLocations.get(node)!, dataLength: node.data.length };

  const writeDirectory = (directory: DirectoryPlan) => {
    for (const record of directory.primary.records) {
      const systemUse = [...record.systemUse.inline];
      if (record.continuation) {
        systemUse.push(
          continuationEntry(record.continuation.block, record.continuation.offset, record.systemUse.continuedLength),
        );
      }
      image.set(
        encodeDirectoryRecord({
          identifier: record.identifier,
          ...extentOf(record.target, "primary"),
          directory: record.target.kind === "directory",
          date,
          systemUse,
        }),
        at(directory.primary.location) + record.offset,
      );
    }
    for (const record of directory.joliet.records) {
      image.set(
        encodeDirectoryRecord({
          identifier: record.identifier,
          ...extentOf(record.target, "joliet"),
          directory: record.target.kind === "directory",
          date,
        }),
        at(directory.joliet.location) + record.offset,
      );
    }
  };

  const rootRecord = (namespace: "primary" | "joliet") =>
    encodeDirectoryRecord({
      identifier: Uint8Array.of(0),
      ...extentOf(plan.root, namespace),
      directory: true,
      date,
    });
  const common = {
    systemId: texts.systemId,
    volumeSetId: texts.volumeSetId,
    publisherId: texts.publisher,
    dataPreparerId: texts.dataPreparer,
    applicationId: texts.applicationId,
    volumeSpaceSize: plan.volumeSpaceSize,
    epochSeconds: plan.epochSeconds,
  };
  image.set(
    encodeVolumeDescriptor({
      ...common,
      kind: "primary",
      volumeId: texts.volumeId,
      pathTableSize: plan.primaryPathTable.size,
      typeLPathTable: plan.primaryPathTable.typeL,
      typeMPathTable: plan.primaryPathTable.typeM,
      rootRecord: rootRecord("primary"),
    }),
    at(PRIMARY_DESCRIPTOR_SECTOR),
  );
  image.set(
    encodeVolumeDescriptor({
      ...common,
      kind: "joliet",
      volumeId: texts.volumeId.slice(0, JOLIET_VOLUME_ID_UNITS),
      pathTableSize: plan.jolietPathTable.size,
      typeLPathTable: plan.jolietPathTable.typeL,
      typeMPathTable: plan.jolietPathTable.typeM,
      rootRecord: rootRecord("joliet"),
    }),
    at(JOLIET_DESCRIPTOR_SECTOR),
  );
  image.set(encodeTerminator(), at(TERMINATOR_SECTOR));

  for (const table of [plan.primaryPathTable, plan.jolietPathTable]) {
    image.set(encodePathTable(table.entries, false), at(table.typeL));
    image.set(encodePathTable(table.entries, true), at(table.typeM));
  }
  for (const directory of plan.directories.values()) writeDirectory(directory);
  for (const area of plan.continuationAreas) {
    let offset = at(area.block) + area.offset;
    for (const entry of area.entries) {
      image.set(entry, offset);
      offset += entry.length;
    }
  }
  for (const file of plan.files) if (file.node.data.length > 0) image.set(file.node.data, at(file.location));
  return image;
}
