import { dirname, resolve } from "node:path";
import type { StageContext } from "@vmforge/kernel";

/** The run's artifact folder as an absolute path (`--out DIR`, else the VM's data folder). */
export function runDirOf(ctx: StageContext): string {
  return resolve(dirname(ctx.artifactPath("vm-definition.json")));
}
