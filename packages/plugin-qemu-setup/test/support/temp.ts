import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temp folder. */
export function tempDir(prefix = "vmforge-qemu-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes a TOML file into a fresh temp folder and returns its path. */
export async function tomlFile(text: string, name = "vm.toml"): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, text);
  return path;
}
