import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** SHA-256 of a whole file, streamed; undefined when it cannot be read (missing, a folder). */
export async function sha256OfFile(path: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}
