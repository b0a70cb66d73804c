import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Kernel, type VmforgeError } from "@vmforge/kernel";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as libvirtXmlPlugin } from "../src/plugin.js";
import { examplesDir } from "@vmforge/test-support";
import { envCheckPlugin } from "./support/pipeline.js";

/** The preflight of `vmforge plan CONFIG --out DIR` with env-check, qemu-setup and this plugin. */
async function preflightError(toml: (out: string) => string): Promise<{ error: VmforgeError | undefined; config: string; outputDir: string }> {
  const root = await mkdtemp(join(tmpdir(), "vmforge-libvirt-clash-"));
  const outputDir = join(root, "out");
  const config = join(root, "vm.toml");
  await writeFile(config, toml(outputDir));
  const kernel = new Kernel({ dryRun: true, outputDir, hostRoot: join(examplesDir, "hosts", "z370-gt1030"), env: { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config") } });
  for (const plugin of [envCheckPlugin, qemuSetupPlugin, libvirtXmlPlugin]) await kernel.use(plugin);
  try {
    await kernel.preflight({ configPath: config, flags: {}, outputDir });
    return { error: undefined, config, outputDir };
  } catch (error) {
    return { error: error as VmforgeError, config, outputDir };
  }
}

describe("no file of the VM description may be the domain.xml this plugin writes", () => {
  it("a [[disk]] path equal to domain.xml in the run folder is refused in preflight, located, before anything is written", async () => {
    const { error, config, outputDir } = await preflightError((out) => `[vm]\nname = "clash"\n[[disk]]\npath = "${out}/domain.xml"\nsize = "1GiB"\n[output]\nlibvirt_xml = true\n`);
    expect(error).toMatchObject({ exitCode: 2 });
    expect(error!.problems).toEqual([
      expect.objectContaining({ code: "E_CONFIG_DUPLICATE", file: config, keyPath: "disk[0].path", line: 4, message: expect.stringContaining("libvirt domain (domain.xml) that @vmforge/plugin-libvirt-xml writes") }),
    ]);
    expect(existsSync(outputDir)).toBe(false);
  });

  it("another name in the run folder is free", async () => {
    const { error } = await preflightError((out) => `[vm]\nname = "clash"\n[[disk]]\npath = "${out}/domain.qcow2"\nsize = "1GiB"\n`);
    expect(error).toBeUndefined();
  });
});
