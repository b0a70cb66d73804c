import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir, itWhen, tool } from "@vmforge/test-support";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { attribute, child, children, parseDomain } from "./support/parse-xml.js";
import { fakeEnvCheckPlugin, fakeEnvironment, fakeLinuxPlugin, fakeVfioPlugin, runPlan, tomlWithLibvirtXml } from "./support/pipeline.js";
import { virshDefineOnTestDriver, virtXmlValidate } from "./support/libvirt-tools.js";

const examples = readdirSync(examplesDir).filter((name) => name.endsWith(".toml")).sort();
const host = fakeEnvironment({ hugepages: { sizeBytes: 2 * 1024 ** 2, total: 9000, free: 9000 } });

describe("every example in examples/ through qemu-setup and this plugin (plan --out)", () => {
  it("there are examples to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(examples)("%s", (example) => {
    const plan = async () => {
      const config = await tomlWithLibvirtXml(join(examplesDir, example));
      return runPlan(config, [fakeEnvCheckPlugin(host), await fakeLinuxPlugin({ media: true }), fakeVfioPlugin()]);
    };

    itWhen(tool("virt-xml-validate", "libvirt-clients"))("domain.xml passes virt-xml-validate and libvirt's parser", async () => {
      const { read, outputDir, kernel } = await plan();
      const path = join(outputDir, "domain.xml");
      const validation = await virtXmlValidate(path);
      expect(validation.exitCode, validation.output).toBe(0);
      const defined = await virshDefineOnTestDriver(path);
      expect(defined.exitCode, defined.output).toBe(0);

      // The XML carries what the definition has, not a subset.
      const definition = kernel.session.get(vmDefinitionKey)!;
      const domain = parseDomain(await read("domain.xml"));
      const devices = child(domain, "devices");
      const qemuArgs = children(domain, "qemu:commandline").flatMap((line) => children(line, "qemu:arg").map((arg) => attribute(arg, "value")!));
      const nvmeDisks = qemuArgs.filter((arg) => arg.startsWith("{") && (JSON.parse(arg) as { driver?: string }).driver === "nvme").length;
      const forwardedNics = qemuArgs.filter((arg) => arg.startsWith("user,")).length;
      expect(children(devices, "disk").length + nvmeDisks).toBe(definition.disks.length + (definition.guest === "linux" ? 1 : 0));
      expect(children(devices, "interface").length + forwardedNics).toBe(definition.nics.length);
      expect(children(devices, "hostdev").length).toBe(definition.hostDevices.length + definition.usbDevices.length);
      expect(children(devices, "tpm").length).toBe(definition.firmware.tpm ? 1 : 0);
      expect(attribute(domain, "type")).toBe(definition.accelerator.type === "kvm" ? "kvm" : "qemu");
    });
  });
});
