import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { plugin as envCheckPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { planPreflight } from "@vmforge/test-support";
import { plugin as linuxSetupPlugin } from "../src/plugin.js";

const preflightError = (toml: (out: string) => string) => planPreflight([envCheckPlugin, qemuSetupPlugin, linuxSetupPlugin], toml);

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
