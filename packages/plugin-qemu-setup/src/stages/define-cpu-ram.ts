import type { StageContext } from "@vmforge/kernel";
import { runDirOf } from "../run-dir.js";
import { userVmRequestKey } from "../contract.js";
import { defineCpuRam } from "../define-hardware.js";
import { cpuRamKey, hostFitKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(cpuRamKey, defineCpuRam(ctx.get(userVmRequestKey), ctx.get(hostFitKey), runDirOf(ctx)));
}
