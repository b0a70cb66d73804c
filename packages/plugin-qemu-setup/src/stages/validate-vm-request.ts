import type { StageContext } from "@vmforge/kernel";
import { environmentDataKey } from "@vmforge/plugin-env-check";
import { userVmRequestKey } from "../contract.js";
import { validateVmRequest, validationError } from "../validate-request.js";
import { hostFitKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  const request = ctx.get(userVmRequestKey);
  const environment = ctx.get(environmentDataKey);
  const passthroughHandled = ctx.plugins.some((plugin) => plugin.stages.some((stage) => stage.adds?.includes("host_devices")));
  const { fit, problems, warnings } = await validateVmRequest(request, environment, { passthroughHandled });
  for (const warning of warnings) ctx.ui.warn(warning.text, warning.fix, warning.code);
  if (problems.length > 0) throw validationError(problems);
  ctx.set(hostFitKey, fit);
  ctx.ui.info(`The host can run ${request.vm.name} (${fit.accelerator.type}: ${fit.accelerator.reason}).`);
}
