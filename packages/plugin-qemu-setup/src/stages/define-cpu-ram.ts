import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "../contract.js";
import { defineCpuRam } from "../define-hardware.js";
import { cpuRamKey, hostFitKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(cpuRamKey, defineCpuRam(ctx.get(userVmRequestKey), ctx.get(hostFitKey), ctx.artifactPath("")));
}
