import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Kernel, type Plugin } from "@vmforge/kernel";
import { ovmfHostRoot } from "@vmforge/test-support";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as libvirtXmlPlugin } from "../../src/plugin.js";

/*
 * The other plugins of a run. Imported by path, not as dependencies of this package, so the
 * workspace lockfile stays as it is: the real env-check for the end-to-end run on this host,
 * and qemu-setup's own test doubles (env-check with a fixed host, linux-setup's [linux]
 * table and seed ISO, the VFIO plugin's host devices) for the examples.
 */
export { plugin as envCheckPlugin } from "../../../plugin-env-check/src/plugin.js";
export { fakeEnvCheckPlugin, fakeEnvironment, fakeLinuxPlugin, fakeVfioPlugin } from "../../../plugin-qemu-setup/test/support/environment.js";

export interface PipelineRun {
  kernel: Kernel;
  outputDir: string;
  read(name: string): Promise<string>;
}

/** Copies a TOML into a temp folder, turning on `[output] libvirt_xml` unless the file already decides it. */
export async function tomlWithLibvirtXml(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vmforge-libvirt-toml-"));
  const target = join(dir, basename(source));
  await cp(source, target);
  const text = await readFile(target, "utf8");
  if (!/^\[output\]/m.test(text)) await writeFile(target, `${text}\n[output]\nlibvirt_xml = true\n`);
  return target;
}

/** A dry run (plan) with --out through the real kernel, reading the host at `hostRoot`: the given plugins, qemu-setup, and this plugin. */
export async function runPlan(configPath: string, plugins: Plugin[], hostRoot?: string): Promise<PipelineRun> {
  const outputDir = await mkdtemp(join(tmpdir(), "vmforge-libvirt-plan-"));
  const dataHome = await mkdtemp(join(tmpdir(), "vmforge-libvirt-data-"));
  // Never the machine the tests run on: a snapshot, or one with only OVMF for test doubles of env-check.
  const kernel = new Kernel({ dryRun: true, outputDir, hostRoot: hostRoot ?? (await ovmfHostRoot()), env: { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dataHome, "config") } });
  for (const plugin of plugins) await kernel.use(plugin);
  await kernel.use(qemuSetupPlugin);
  await kernel.use(libvirtXmlPlugin);
  await kernel.run({ input: { configPath, flags: {} } });
  return { kernel, outputDir, read: (name) => readFile(join(outputDir, name), "utf8") };
}
