import { HostRoot } from "@vmforge/kernel";
import { gatherEnvironment } from "@vmforge/plugin-env-check";
import { intelHostBridge, intelPlatform, intelRootPort, madeHost as madeHostIn, teslaT4, type CaptureSnapshotOptions, type MadeDevice } from "@vmforge/test-support";
import { tempDir, type FixtureHost } from "./fixture-host.js";

/** A made-up host (see `madeHost` of @vmforge/test-support) and the environment_data env-check reads from it. */
export async function madeHost(devices: readonly MadeDevice[], options: CaptureSnapshotOptions = {}): Promise<FixtureHost> {
  const root = await madeHostIn(await tempDir("vmforge-vfio-made-"), devices, options);
  return { root, env: await gatherEnvironment(new HostRoot(root)) };
}

export { intelHostBridge, intelPlatform, intelRootPort, teslaT4, type MadeDevice };
