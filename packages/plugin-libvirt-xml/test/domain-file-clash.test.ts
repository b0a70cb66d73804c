import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { planPreflight } from "@vmforge/test-support";
import { plugin as libvirtXmlPlugin } from "../src/plugin.js";
import { envCheckPlugin } from "./support/pipeline.js";

const preflightError = (toml: (out: string) => string) => planPreflight([envCheckPlugin, qemuSetupPlugin, libvirtXmlPlugin], toml);

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
