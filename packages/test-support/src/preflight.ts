import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, type Plugin, type VmforgeError } from "@vmforge/kernel";
import { examplesDir } from "./paths.js";

export interface PreflightOutcome {
  /** The preflight's error, or undefined when it passed. */
  error: VmforgeError | undefined;
  config: string;
  outputDir: string;
}

/**
 * The preflight of `vmforge plan CONFIG --out DIR --host-root examples/hosts/z370-gt1030` with
 * these plugins: `toml` gets the output folder (to name files inside it).
 */
export async function planPreflight(plugins: readonly Plugin[], toml: (outputDir: string) => string): Promise<PreflightOutcome> {
  const root = await mkdtemp(join(tmpdir(), "vmforge-preflight-"));
  const outputDir = join(root, "out");
  const config = join(root, "vm.toml");
  await writeFile(config, toml(outputDir));
  const kernel = new Kernel({ dryRun: true, outputDir, hostRoot: join(examplesDir, "hosts", "z370-gt1030"), env: { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config") } });
  for (const plugin of plugins) await kernel.use(plugin);
  try {
    await kernel.preflight({ configPath: config, flags: {}, outputDir });
    return { error: undefined, config, outputDir };
  } catch (error) {
    return { error: error as VmforgeError, config, outputDir };
  }
}
