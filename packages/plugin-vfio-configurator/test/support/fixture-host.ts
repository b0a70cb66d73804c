import { spawnSync } from "node:child_process";
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { HostRoot } from "@vmforge/kernel";
import { gatherEnvironment, type EnvironmentData } from "@vmforge/plugin-env-check";
import { examplesDir, fixtureHostsDir, snapshotFromCapture, type CaptureSnapshotOptions } from "@vmforge/test-support";

export async function tempDir(prefix = "vmforge-vfio-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface FixtureHost {
  /** The snapshot folder (a HostRoot for it reads like the machine). */
  root: string;
  env: EnvironmentData;
}

/** A fixture capture as a snapshot tree in a fresh temp folder, and the environment_data env-check reads from it. */
export async function fixtureHost(caseName: string, options: CaptureSnapshotOptions = {}): Promise<FixtureHost> {
  const root = join(await tempDir(), "root");
  await snapshotFromCapture(join(fixtureHostsDir, caseName), root, options);
  await addSysfsAttributes(root);
  return { root, env: await gatherEnvironment(new HostRoot(root)) };
}

/** Reads the environment again after a test changed the tree. */
export async function reread(root: string): Promise<EnvironmentData> {
  return gatherEnvironment(new HostRoot(root));
}

/**
 * The snapshot links each device's `driver` to /sys/bus/pci/drivers/<name> and has none of the
 * attributes binding writes; on a real host they exist, and vmforge writes only existing ones.
 * A writable copy gets them: each linked driver's folder with `bind` and `unbind`, every
 * device's `driver_override` ("(null)", as the kernel reads it when unset), and `drivers_probe`.
 */
export async function addSysfsAttributes(root: string): Promise<void> {
  const devices = join(root, "sys/bus/pci/devices");
  for (const address of await readdir(devices)) {
    const target = await readlink(join(devices, address, "driver")).catch(() => undefined);
    if (target) await addDriver(root, target.split("/").pop()!);
    await writeFile(join(devices, address, "driver_override"), "(null)\n", { flag: "wx" }).catch(ignoreExisting);
  }
  await writeFile(join(root, "sys/bus/pci/drivers_probe"), "", { flag: "wx" }).catch(ignoreExisting);
}

/** /sys/bus/pci/drivers/<name> with its `bind` and `unbind`, as a loaded driver has them. */
export async function addDriver(root: string, name: string): Promise<void> {
  const dir = join(root, "sys/bus/pci/drivers", name);
  await mkdir(dir, { recursive: true });
  for (const attribute of ["bind", "unbind"]) await writeFile(join(dir, attribute), "", { flag: "wx" }).catch(ignoreExisting);
}

function ignoreExisting(error: NodeJS.ErrnoException): void {
  if (error.code !== "EEXIST") throw error;
}

/**
 * Makes a file refuse writes even from root (immutable, where chattr works; else read-only),
 * so a write fails the way a sysfs attribute can. False when that cannot be done here.
 */
export async function refuseWrites(path: string): Promise<boolean> {
  if (process.getuid?.() !== 0) {
    await chmod(path, 0o444);
    return true;
  }
  return spawnSync("chattr", ["+i", path]).status === 0;
}

export async function allowWrites(path: string): Promise<void> {
  if (process.getuid?.() === 0) spawnSync("chattr", ["-i", path]);
  else await chmod(path, 0o644);
}

/** A writable copy of a snapshot tree, symlinks kept as they are. */
export async function copyTree(root: string): Promise<string> {
  const copy = join(await tempDir(), "root");
  await cp(root, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

/** Every regular file's content and every symlink's target below `root`, by relative path (a FIFO is never opened). */
export async function readTree(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const stats = await lstat(path);
      if (stats.isSymbolicLink()) entries.set(relative(root, path), `-> ${await readlink(path)}`);
      else if (stats.isDirectory()) await walk(path);
      else if (stats.isFile()) entries.set(relative(root, path), await readFile(path, "utf8"));
      else entries.set(relative(root, path), `<not a regular file, mode ${stats.mode.toString(8)}>`);
    }
  };
  await walk(root);
  return entries;
}

/** Paths added, removed or changed between two trees. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

/**
 * The bundled example host (examples/hosts/z370-gt1030) copied to `root`, as a real host has it
 * for binding: every attribute binding writes, and vfio-pci loaded.
 */
export async function exampleHostAt(root: string): Promise<void> {
  await cp(join(examplesDir, "hosts/z370-gt1030"), root, { recursive: true, verbatimSymlinks: true });
  await addSysfsAttributes(root);
  await addDriver(root, "vfio-pci");
}
