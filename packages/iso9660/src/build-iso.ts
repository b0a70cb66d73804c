import { planImage } from "./layout.js";
import { resolveOptions, type BuildIsoOptions } from "./options.js";
import { buildTree, type TreeNode } from "./tree.js";
import { writeImage } from "./write-image.js";

/** Builds the whole image in memory. Same options (in any file order) give the same bytes. */
export function buildIso(options: BuildIsoOptions): Uint8Array {
  const resolved = resolveOptions(options);
  const root = buildTree(resolved.files, resolved.directories);
  const plan = planImage(root, {
    epochSeconds: resolved.sourceDateEpoch,
    interchangeLevel: resolved.interchangeLevel,
    paddingSectors: resolved.paddingSectors,
  });
  return writeImage(plan, resolved);
}

export interface IsoEntryNames {
  /** The input path (Rock Ridge shows exactly this). */
  path: string;
  kind: "file" | "directory";
  /** The plain ISO 9660 path, e.g. `/META_DAT.;1`. */
  isoPath: string;
  /** The Joliet path, e.g. `/meta-data`; differs from `path` only for names Joliet cannot hold. */
  jolietPath: string;
}

/**
 * The names each input gets in the three namespaces, without writing the image: useful to show
 * a user which names a Joliet-only or plain ISO 9660 reader will see.
 */
export function describeIsoNames(options: BuildIsoOptions): IsoEntryNames[] {
  const resolved = resolveOptions(options);
  const root = buildTree(resolved.files, resolved.directories);
  const plan = planImage(root, { epochSeconds: resolved.sourceDateEpoch, interchangeLevel: resolved.interchangeLevel, paddingSectors: 0 });
  const result: IsoEntryNames[] = [];
  const visit = (node: TreeNode, isoPath: string, jolietPath: string) => {
    if (node.kind === "directory") {
      for (const child of node.children) {
        visit(child, `${isoPath}/${plan.primaryNames.get(child)!}`, `${jolietPath}/${plan.jolietNames.get(child)!}`);
      }
    }
    if (node !== root) result.push({ path: node.path, kind: node.kind, isoPath, jolietPath });
  };
  visit(root, "", "");
  return result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
