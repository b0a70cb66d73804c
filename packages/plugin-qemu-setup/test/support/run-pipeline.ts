import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, type Plugin } from "@vmforge/kernel";
import { ovmfHostRoot } from "@vmforge/test-support";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import { plugin as envCheckPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as qemuPlugin } from "../../src/plugin.js";
import { fakeEnvCheckPlugin, fakeEnvironment } from "./environment.js";

export interface PipelineOptions {
  /** Host facts handed over by a test double of env-check... */
  environment?: EnvironmentData;
  /** ...or the real env-check reading this snapshot folder. */
  hostRoot?: string;
  /** With a test double of env-check: the host root stages still read files from (the OVMF vars template). */
  filesRoot?: string;
  extraPlugins?: Plugin[];
  dryRun?: boolean;
  outputDir?: string | null;
  env?: Record<string, string | undefined>;
}

/** Runs env-check and this plugin (and any extras) through the real kernel. */
export async function runPipeline(configPath: string, options: PipelineOptions = {}) {
  const outputDir = options.outputDir === null ? undefined : (options.outputDir ?? (await mkdtemp(join(tmpdir(), "vmforge-qemu-out-"))));
  const dataHome = options.env?.VMFORGE_DATA_HOME ?? (await mkdtemp(join(tmpdir(), "vmforge-qemu-data-")));
  const kernel = new Kernel({
    dryRun: options.dryRun ?? true,
    ...(outputDir ? { outputDir } : {}),
    // Host facts from a test double still leave stages that read the host (the OVMF vars template): never the live machine.
    hostRoot: options.hostRoot ?? options.filesRoot ?? (await ovmfHostRoot()),
    // Never the user's own image cache: a test that wants one gives XDG_CACHE_HOME or VMFORGE_CACHE_HOME.
    env: { VMFORGE_CACHE_HOME: options.env?.XDG_CACHE_HOME ? undefined : join(dataHome, "cache"), ...options.env, VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dataHome, "config") },
  });
  await kernel.use(options.hostRoot ? envCheckPlugin : fakeEnvCheckPlugin(options.environment ?? fakeEnvironment()));
  for (const extra of options.extraPlugins ?? []) await kernel.use(extra);
  await kernel.use(qemuPlugin);
  const report = await kernel.run({ input: { configPath, flags: {} } });
  return { kernel, report, outputDir, dataHome };
}

/** Runs the pipeline and returns the error it fails with (the test fails if it does not). */
export async function pipelineError(configPath: string, options: PipelineOptions = {}) {
  try {
    await runPipeline(configPath, options);
  } catch (error) {
    return error as import("@vmforge/kernel").VmforgeError;
  }
  throw new Error(`${configPath} was accepted`);
}
