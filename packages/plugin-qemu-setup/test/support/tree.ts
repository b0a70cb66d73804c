import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** Every file and folder below `root` with its size and content hash-ish (the bytes), for before/after comparisons. */
export async function listTree(root: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const walk = async (folder: string, prefix: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(folder)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      const info = await stat(path);
      if (info.isDirectory()) {
        entries[`${prefix}${name}/`] = "dir";
        await walk(path, `${prefix}${name}/`);
      } else entries[`${prefix}${name}`] = `${info.size}:${(await readFile(path)).toString("base64").slice(0, 64)}:${info.mtimeMs}`;
    }
  };
  await walk(root, "");
  return entries;
}
