import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "../contract.js";
import { readVmRequest } from "../read-vm-request.js";

export async function run(ctx: StageContext): Promise<void> {
  const request = await readVmRequest(ctx.input.configPath, ctx.plugins, ctx.plugin);
  ctx.setRunName(request.vm.name);
  ctx.set(userVmRequestKey, request);
  ctx.ui.info(`Read ${request.source.path}: VM ${request.vm.name}, guest ${request.vm.guest}.`);
}
