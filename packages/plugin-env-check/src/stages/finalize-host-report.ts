import type { StageContext } from "@vmforge/kernel";
import { assembleEnvironment } from "../gather-environment.js";
import { forgetHostReads } from "../host-reads.js";
import { environmentDataKey, hostCpuKey, hostIommuKey, hostMemoryKey, hostModulesKey, hostNetworkKey, hostOsKey, hostPciKey, hostReportKey, hostStorageKey } from "../keys.js";
import { buildHostReport } from "../verdicts/host-report.js";
import { renderHostReport, renderHostSummary } from "../verdicts/render-report.js";

/** `vmforge check --save-snapshot DIR` passes DIR here; `--include-identifiers` keeps MACs and serials. */
function snapshotRequest(ctx: StageContext): { dir: string; includeIdentifiers: boolean } | undefined {
  const dir = ctx.input.flags["saveSnapshot"];
  return typeof dir === "string" && dir.length > 0 ? { dir, includeIdentifiers: ctx.input.flags["includeIdentifiers"] === true } : undefined;
}

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
  forgetHostReads(ctx.host);
  const report = ctx.set(hostReportKey, buildHostReport(environment));
  ctx.dispatch("EnvironmentCheckCompleted", { environment_data: environment });
  // A VM run (a config was given) gets the short form; `vmforge check` gets the whole report.
  const render = ctx.input.configPath ? renderHostSummary : renderHostReport;
  ctx.ui.result(render(environment, report), { environment_data: environment, checks: report.checks, gpus: report.gpus });
  for (const reason of report.unfitReasons) ctx.markHostUnfit(reason);

  const snapshot = snapshotRequest(ctx);
  if (snapshot) {
    // The user asked for this folder; it is output, like --out, not a change to the host.
    const { saveSnapshot } = await import("../snapshot/save-snapshot.js");
    const summary = await saveSnapshot(ctx.host, snapshot.dir, { includeIdentifiers: snapshot.includeIdentifiers });
    ctx.ui.info(`Host snapshot saved to ${summary.dir}: ${summary.files} files, ${summary.links} links${summary.skipped.length ? `; left out ${summary.skipped.length} identifying file(s)` : ""}. Replay it with --host-root ${summary.dir}.`);
  }
}
