import type { StageContext } from "@vmforge/kernel";
import { assembleEnvironment } from "../gather-environment.js";
import { environmentDataKey, hostCpuKey, hostIommuKey, hostMemoryKey, hostModulesKey, hostNetworkKey, hostOsKey, hostPciKey, hostReportKey, hostStorageKey } from "../keys.js";
import { buildHostReport } from "../verdicts/host-report.js";
import { renderHostReport } from "../verdicts/render-report.js";

export async function run(ctx: StageContext): Promise<void> {
  const environment = ctx.set(
    environmentDataKey,
    assembleEnvironment({
      os: ctx.get(hostOsKey),
      cpu: ctx.get(hostCpuKey),
      memory: ctx.get(hostMemoryKey),
      pci: ctx.get(hostPciKey),
      iommu: ctx.get(hostIommuKey),
      modules: ctx.get(hostModulesKey),
      storage: ctx.get(hostStorageKey),
      network: ctx.get(hostNetworkKey),
    }),
  );
  const report = ctx.set(hostReportKey, buildHostReport(environment));
  ctx.dispatch("EnvironmentCheckCompleted", { environment_data: environment });
  ctx.ui.result(renderHostReport(environment, report), { environment_data: environment, checks: report.checks, gpus: report.gpus });
  for (const reason of report.unfitReasons) ctx.markHostUnfit(reason);
}
