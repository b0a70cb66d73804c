import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intelHostBridge, intelPlatform, intelRootPort, madeHost as madeHostIn, teslaT4, type CaptureSnapshotOptions, type MadeDevice } from "@vmforge/test-support";

const folders: string[] = [];

export async function removeMadeHosts(): Promise<void> {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
}

/** An empty folder, removed with the made-up hosts. */
export async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "vmforge-made-host-"));
  folders.push(folder);
  return folder;
}

/** A made-up host (see `madeHost` of @vmforge/test-support) in a folder removed with the others. */
export async function madeHost(devices: readonly MadeDevice[], options: CaptureSnapshotOptions = {}): Promise<string> {
  return madeHostIn(await tempFolder(), devices, options);
}

export { intelHostBridge, intelPlatform, intelRootPort, teslaT4, type MadeDevice };
