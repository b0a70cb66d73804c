import { createHash } from "node:crypto";
import { lstat, mkdir, readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Above this size a file is known by its size and change time, not its content (huge sparse files). */
const HASHED_UP_TO = 1024 * 1024;

/**
 * What every entry below `dir` is: type, mode, owner, and content hash (or size and times for a
 * big file) for a regular file, the target for a symlink. Symlinks are never followed and
 * FIFOs never opened, so a hostile tree cannot hang or mislead it.
 */
export async function treeState(dir: string, state = new Map<string, string>(), prefix = ""): Promise<Map<string, string>> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const key = prefix ? `${prefix}/${name}` : name;
    const stats = await lstat(path);
    const head = `${stats.mode.toString(8)} ${stats.uid}`;
    if (stats.isSymbolicLink()) state.set(key, `link ${await readlink(path)}`);
    else if (stats.isDirectory()) {
      state.set(key, `dir ${head}`);
      await treeState(path, state, key);
    } else if (stats.isFile() && stats.size <= HASHED_UP_TO) state.set(key, `file ${head} ${createHash("sha256").update(await readFile(path)).digest("hex")}`);
    else state.set(key, `other ${head} ${stats.size} ${stats.ino} ${stats.mtimeMs} ${stats.ctimeMs}`);
  }
  return state;
}

/** Paths added, removed or changed between two states. */
export function changedEntries(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path)).sort();
}

/**
 * Files an escape would aim at: `/etc/cron.d/*` inside the root (outside its /sys) and beside
 * it (outside the root), named like the attributes vmforge writes, plus one more beside the root.
 */
export async function plantCanaries(base: string, root: string): Promise<string[]> {
  const paths = [join(base, "canary")];
  for (const dir of [join(base, "etc/cron.d"), join(root, "etc/cron.d")]) {
    for (const name of ["evil", "bind", "unbind", "driver_override", "drivers_probe"]) paths.push(join(dir, name));
  }
  for (const path of paths) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "canary\n");
  }
  return paths;
}
