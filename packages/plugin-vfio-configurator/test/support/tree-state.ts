import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Above this size a file is known by its size and change time, not its content (huge sparse files). */
const HASHED_UP_TO = 1024 * 1024;

/**
 * What every entry below `dir` is: type, mode, owner, and content hash (or size and times for a
 * big file) for a regular file, the target for a symlink. Symlinks are never followed and
 * FIFOs never opened, so a hostile tree cannot hang or mislead it. Synchronous: a property
 * test takes it hundreds of times, and the async calls cost ten times more.
 */
export async function treeState(dir: string): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  const walk = (folder: string, prefix: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const key = prefix ? `${prefix}/${name}` : name;
      const stats = lstatSync(path);
      const head = `${stats.mode.toString(8)} ${stats.uid}`;
      if (stats.isSymbolicLink()) state.set(key, `link ${readlinkSync(path)}`);
      else if (stats.isDirectory()) {
        state.set(key, `dir ${head}`);
        walk(path, key);
      } else if (stats.isFile()) {
        const content = stats.size <= HASHED_UP_TO ? createHash("sha256").update(readFileSync(path)).digest("hex") : `${stats.size} bytes, changed ${stats.mtimeMs} ${stats.ctimeMs}`;
        state.set(key, `file ${head} ${content}`);
      } else state.set(key, `other ${head} ${stats.ino} ${stats.ctimeMs}`);
    }
  };
  walk(dir, "");
  return state;
}

/** Paths added, removed or changed between two states. */
export function changedEntries(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path)).sort();
}

/** The attributes vfio-configurator writes (by their file's name). */
const WRITTEN_ATTRIBUTES = new Set(["driver_override", "bind", "unbind", "drivers_probe"]);

/**
 * Changes that are not a write to an attribute file that existed in `<root>/sys` (`root` is
 * the root's path relative to the folder the states were taken of): files added, removed,
 * turned into something else, or changed anywhere else.
 */
export function foreignChanges(before: Map<string, string>, after: Map<string, string>, root: string): string[] {
  return changedEntries(before, after).filter(
    (key) => !(key.startsWith(`${root}/sys/`) && before.get(key)?.startsWith("file ") && after.get(key)?.startsWith("file ") && WRITTEN_ATTRIBUTES.has(basename(key))),
  );
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
