import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel } from "@vmforge/kernel";
import { fixtureHostsDir, snapshotFromCapture, type CaptureSnapshotOptions } from "@vmforge/test-support";
import { EnvironmentDataSchema, HostReportSchema, plugin, type EnvironmentData, type GpuReport, type HostReport } from "../src/index.js";

const folders: string[] = [];

export async function removeSnapshots(): Promise<void> {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
}

export interface CheckedHost {
  env: EnvironmentData;
  report: HostReport;
  hostUnfit: string[];
  text: string;
  gpu(address: string): GpuReport;
  check(id: string): HostReport["checks"][number] | undefined;
}

/** Runs the plugin's stages through the kernel on a snapshot folder, as `vmforge check --host-root` does. */
export async function checkHostRoot(hostRoot: string): Promise<CheckedHost> {
  const kernel = new Kernel({ dryRun: true, hostRoot });
  await kernel.use(plugin);
  const run = await kernel.run({ selection: { targetKeys: ["host_report"] } });
  const session = kernel.session.snapshot();
  const env = EnvironmentDataSchema.parse(session["environment_data"]);
  const report = HostReportSchema.parse(session["host_report"]);
  const result = kernel.ui.history().find((message) => message.type === "Result");
  return {
    env,
    report,
    hostUnfit: run.hostUnfit,
    text: result?.type === "Result" ? result.text : "",
    gpu(address) {
      const gpu = report.gpus.find((candidate) => candidate.address === address);
      if (!gpu) throw new Error(`no GPU ${address}; GPUs: ${report.gpus.map((candidate) => candidate.address).join(", ")}`);
      return gpu;
    },
    check: (id) => report.checks.find((check) => check.id === id),
  };
}

/** A fixture case turned into a snapshot tree, then checked. */
export async function checkCase(name: string, options: CaptureSnapshotOptions = {}): Promise<CheckedHost> {
  const folder = await mkdtemp(join(tmpdir(), `vmforge-${name.slice(0, 20)}-`));
  folders.push(folder);
  await snapshotFromCapture(join(fixtureHostsDir, name), folder, options);
  return checkHostRoot(folder);
}
