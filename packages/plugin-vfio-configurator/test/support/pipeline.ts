import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Kernel, type VmforgeError } from "@vmforge/kernel";
import { plugin as envPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as qemuPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as vfioPlugin } from "../../src/plugin.js";
import { tempDir } from "./fixture-host.js";

export interface PipelineRun {
  hostRoot: string;
  toml: string;
  dryRun?: boolean;
  bindVfio?: boolean;
  /** Files next to the config (a ROM dump). */
  files?: Record<string, string>;
  dataHome?: string;
}

/** env-check, qemu-setup and this plugin through the real kernel, on a snapshot root. */
export async function runPipeline(options: PipelineRun) {
  const dir = await tempDir("vmforge-vfio-run-");
  const configPath = join(dir, "vm.toml");
  await writeFile(configPath, options.toml);
  for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), content);
  const dataHome = options.dataHome ?? join(dir, "data");
  const outputDir = join(dir, "out");
  const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dir, "config"), HOME: dir };
  const kernel = new Kernel({ dryRun: options.dryRun ?? true, hostRoot: options.hostRoot, outputDir, env });
  await kernel.use(envPlugin);
  await kernel.use(qemuPlugin);
  await kernel.use(vfioPlugin);
  const report = await kernel.run({ input: { configPath, flags: { bindVfio: options.bindVfio ?? false } } });
  return { kernel, report, dir, dataHome, outputDir, env };
}

export async function pipelineError(options: PipelineRun): Promise<VmforgeError> {
  try {
    await runPipeline(options);
  } catch (error) {
    return error as VmforgeError;
  }
  throw new Error("the pipeline did not fail");
}
