import fc from "fast-check";
import type { IsoFileInput } from "../src/index.js";

const utf8 = new TextEncoder();

/** Any character a name may hold: mostly the usual ones, then any ASCII, then any code point. */
const nameCharacter = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~ ") },
  { weight: 2, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

/** Drops trailing characters until the name fits the 255-byte Rock Ridge limit. */
function fitName(characters: string[]): string {
  while (utf8.encode(characters.join("")).length > 255) characters.pop();
  return characters.join("");
}

/** Names of every allowed length: short, around the Joliet limit of 64, near 255 bytes, and any length. */
const name = fc
  .oneof(
    fc.array(nameCharacter, { minLength: 1, maxLength: 12 }),
    fc.array(nameCharacter, { minLength: 55, maxLength: 75 }),
    fc.array(nameCharacter, { minLength: 200, maxLength: 255, size: "max" }),
    fc.integer({ min: 1, max: 255 }).chain((length) => fc.array(nameCharacter, { minLength: length, maxLength: length })),
  )
  .map(fitName)
  .filter((text) => text.length > 0 && text !== "." && text !== ".." && !/[/\0]/.test(text));

const size = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 6000 }) },
  { weight: 1, arbitrary: fc.constantFrom(2047, 2048, 2049) },
  { weight: 1, arbitrary: fc.integer({ min: 1 << 20, max: 3 << 20 }) },
);

/** A file as generated: contents are made from size and seed, so a counterexample prints short. */
export interface FileSpec {
  path: string;
  size: number;
  seed: number;
  mode: number;
}

export function toInput(spec: FileSpec): IsoFileInput {
  return { path: spec.path, data: content(spec.size, spec.seed), mode: spec.mode };
}

function content(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** Files in folders drawn from a small pool, so that folders are shared and nested. */
export const fileSet = fc
  .uniqueArray(name, { minLength: 1, maxLength: 4 })
  .chain((folders) =>
    fc.array(
      fc.record({
        folders: fc.array(fc.constantFrom(...folders), { maxLength: 4 }),
        name,
        size,
        seed: fc.integer(),
        mode: fc.integer({ min: 0, max: 0o177 }).map((bits) => 0o600 | bits),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  )
  .map((entries) => {
    const byPath = new Map<string, FileSpec>();
    for (const entry of entries) {
      const path = [...entry.folders, entry.name].join("/");
      byPath.set(path, { path, size: entry.size, seed: entry.seed, mode: entry.mode });
    }
    const folders = new Set([...byPath.keys()].flatMap((path) => path.split("/").slice(0, -1).map((_, i, all) => all.slice(0, i + 1).join("/"))));
    return [...byPath.values()].filter((file) => !folders.has(file.path));
  })
  .filter((files) => files.length > 0);

