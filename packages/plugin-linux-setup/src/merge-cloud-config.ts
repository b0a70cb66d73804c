import { isDeepStrictEqual } from "node:util";

export interface MergeConflict {
  /** Key path, e.g. ["hostname"] or ["apt", "proxy"]. */
  path: string[];
  ours: unknown;
  theirs: unknown;
}

/**
 * Merges the user's #cloud-config into the generated one, like cloud-init's
 * `merge_how: dict(recurse_array,no_replace)+list(append)` but strict about scalars:
 * mappings merge key by key, lists are ours followed by theirs, a key only one side has is
 * taken as is, equal values are kept once, and two different values (or a list against a
 * string) are a conflict, never a silent winner.
 */
export function mergeCloudConfig(ours: Record<string, unknown>, theirs: Record<string, unknown>): { merged: Record<string, unknown>; conflicts: MergeConflict[] } {
  const conflicts: MergeConflict[] = [];
  const merged = mergeMaps(ours, theirs, [], conflicts);
  return { merged, conflicts };
}

function mergeMaps(ours: Record<string, unknown>, theirs: Record<string, unknown>, path: string[], conflicts: MergeConflict[]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...ours };
  for (const [key, value] of Object.entries(theirs)) {
    if (!Object.hasOwn(ours, key)) {
      merged[key] = value;
      continue;
    }
    const mine = ours[key];
    if (Array.isArray(mine) && Array.isArray(value)) merged[key] = [...mine, ...value];
    else if (isPlainMap(mine) && isPlainMap(value)) merged[key] = mergeMaps(mine, value, [...path, key], conflicts);
    else if (!isDeepStrictEqual(mine, value)) conflicts.push({ path: [...path, key], ours: mine, theirs: value });
  }
  return merged;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
