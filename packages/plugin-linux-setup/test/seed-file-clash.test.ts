import { writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Kernel, type VmforgeError } from "@vmforge/kernel";
import { plugin as envCheckPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as linuxSetupPlugin } from "../src/plugin.js";
import { examplesDir } from "@vmforge/test-support";
import { tempDir } from "./support/tools.js";

/** The preflight of `vmforge plan CONFIG --out DIR` with the three plugins: the error, or undefined. */
async function preflightError(toml: (out: string) => string): Promise<{ error: VmforgeError | undefined; config: string; outputDir: string }> {
  const root = await tempDir("vmforge-linux-seed-");
  const outputDir = join(root, "out");
  const config = join(root, "vm.toml");
  await writeFile(config, toml(outputDir));
  const kernel = new Kernel({ dryRun: true, outputDir, hostRoot: join(examplesDir, "hosts", "z370-gt1030"), env: { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config") } });
  for (const plugin of [envCheckPlugin, qemuSetupPlugin, linuxSetupPlugin]) await kernel.use(plugin);
  try {
    await kernel.preflight({ configPath: config, flags: {}, outputDir });
    return { error: undefined, config, outputDir };
  } catch (error) {
    return { error: error as VmforgeError, config, outputDir };
  }
}

describe("no file of the VM description may be one the Linux guest setup writes", () => {
  it("a [[disk]] path equal to seed.iso is refused in preflight, naming vm.guest", async () => {
    const { error, config, outputDir } = await preflightError((out) => `[vm]\nname = "seedy"\nguest = "linux"\n[[disk]]\npath = "${out}/seed.iso"\nsize = "1GiB"\n`);
    expect(error).toMatchObject({ exitCode: 2 });
    expect(error!.problems).toEqual([
      expect.objectContaining({ code: "E_CONFIG_DUPLICATE", file: config, keyPath: "disk[0].path", line: 5, message: expect.stringContaining('seed ISO (seed.iso) that @vmforge/plugin-linux-setup writes for guest = "linux"') }),
    ]);
    expect(existsSync(outputDir)).toBe(false);
  });

  it("a disk named like a cloud-init file is refused too; with another guest the names are free", async () => {
    const linux = await preflightError((out) => `[vm]\nname = "seedy"\nguest = "linux"\n[[disk]]\npath = "${out}/cloud-init/user-data"\nsize = "1GiB"\n`);
    expect(linux.error!.problems).toEqual([expect.objectContaining({ code: "E_CONFIG_DUPLICATE", keyPath: "disk[0].path" })]);
    const none = await preflightError((out) => `[vm]\nname = "seedy"\n[[disk]]\npath = "${out}/seed.iso"\nsize = "1GiB"\n`);
    expect(none.error).toBeUndefined();
  });
});
