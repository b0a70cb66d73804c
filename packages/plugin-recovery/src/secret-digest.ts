import { createHash, randomBytes } from "node:crypto";

/**
 * What a checkpoint keeps of a secret session value: a salted SHA-256 of it, never the value.
 * A resumed run produces the value again and compares; the salt (16 random bytes per
 * checkpoint value) keeps equal secrets of two checkpoints from having equal hashes.
 */
export function newSalt(): string {
  return randomBytes(16).toString("hex");
}

export function secretDigest(value: unknown, salt: string): string {
  return createHash("sha256").update(salt).update("\0").update(canonicalJson(value)).digest("hex");
}

/** JSON with object keys sorted at every level: one text per value, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    return Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
