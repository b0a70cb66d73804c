import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, type Plugin } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import { plugin as qemuPlugin } from "../../src/plugin.js";
import { fakeEnvCheckPlugin, fakeEnvironment } from "./environment.js";

export interface PipelineOptions {
  environment?: EnvironmentData;
  extraPlugins?: Plugin[];
  dryRun?: boolean;
  outputDir?: string;
  env?: Record<string, string | undefined>;
}

/** Runs env-check (a double) and this plugin through the real kernel. */
export async function runPipeline(configPath: string, options: PipelineOptions = {}) {
  const outputDir = options.outputDir ?? (await mkdtemp(join(tmpdir(), "vmforge-qemu-out-")));
  const dataHome = options.env?.VMFORGE_DATA_HOME ?? (await mkdtemp(join(tmpdir(), "vmforge-qemu-data-")));
  const kernel = new Kernel({ dryRun: options.dryRun ?? true, outputDir, env: { ...options.env, VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dataHome, "config") } });
  await kernel.use(fakeEnvCheckPlugin(options.environment ?? fakeEnvironment()));
  for (const extra of options.extraPlugins ?? []) await kernel.use(extra);
  await kernel.use(qemuPlugin);
  const report = await kernel.run({ input: { configPath, flags: {} } });
  return { kernel, report, outputDir, dataHome };
}
