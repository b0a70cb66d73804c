import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export { serveBytes, serveCut, sha256, startImageServer, type Handler, type ImageServer } from "@vmforge/test-support";

export function sha512(data: Buffer): string {
  return createHash("sha512").update(data).digest("hex");
}

/** Some bytes that look like nothing in particular (deterministic). */
export function imageBytes(size: number, seed = 1): Buffer {
  const data = Buffer.alloc(size);
  let x = seed;
  for (let index = 0; index < size; index++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[index] = x >> 16;
  }
  return data;
}

/** Every file below `root` (folders left out), relative; [] when root is missing. */
export async function filesIn(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else found.push(`${prefix}${entry.name}`);
    }
  };
  await walk(root, "");
  return found.sort();
}
