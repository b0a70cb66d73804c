import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { vfioPlanKey, vfioPlanSchema } from "../src/contract.js";
import { fixtureHost, readTree } from "./support/fixture-host.js";
import { pipelineError, runPipeline } from "./support/pipeline.js";
import { tomlWith } from "./support/request.js";

const Z370 = "intel-z370-i5-9400-gt1030-igpu-clean";

describe("qemu_setup:configure_vfio through the kernel (env-check, qemu-setup, vfio)", () => {
  it("plans the GT 1030, writes vfio-plan.json, prints it, and hands the host devices to vm_definition", async () => {
    const { root } = await fixtureHost(Z370);
    const before = await readTree(root);
    const { kernel, report, outputDir } = await runPipeline({ hostRoot: root, toml: tomlWith("htpc", [{ address: "01:00.0" }]) });

    expect(report.stages.find((stage) => stage.id === "qemu_setup:configure_vfio")).toMatchObject({ status: "done", plugin: "@vmforge/plugin-vfio-configurator" });
    const order = report.stages.map((stage) => stage.id);
    expect(order.indexOf("qemu_setup:configure_vfio")).toBeLessThan(order.indexOf("qemu_setup:finalize_vm_definition"));

    const plan = kernel.session.get(vfioPlanKey)!;
    expect(vfioPlanSchema.parse(plan)).toEqual(plan);
    expect(plan.functions.map((fn) => fn.address)).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    expect(JSON.parse(await readFile(join(outputDir, "vfio-plan.json"), "utf8"))).toEqual(plan);
    expect(plan.undoJournal).toMatch(/vms\/htpc\/vfio-undo\.json$/);

    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.hostDevices).toEqual([
      expect.objectContaining({ kind: "pci", address: "0000:01:00.0", multifunction: true, primaryGpu: true, romFile: null, iommuGroup: 2, vendorId: "10de", deviceId: "1d01", producer: "@vmforge/plugin-vfio-configurator" }),
      expect.objectContaining({ kind: "pci", address: "0000:01:00.1", multifunction: false, primaryGpu: false, romFile: null }),
    ]);

    const result = kernel.ui.history().find((message) => message.type === "Result" && message.stage === "qemu_setup:configure_vfio");
    expect(result).toMatchObject({ type: "Result", path: join(outputDir, "vfio-plan.json") });
    expect((result as { text: string }).text).toContain('write "vfio-pci" to /sys/bus/pci/devices/0000:01:00.0/driver_override');
    expect((result as { text: string }).text).toContain("vmforge vfio undo htpc");
    expect((result as { text: string }).text).toContain("vfio-pci.ids=10de:1d01,10de:0fb8");

    // plan: no sysfs write recorded, none made
    expect(report.effects.filter((effect) => effect.kind === "sysfs-write")).toEqual([]);
    expect(await readTree(root)).toEqual(before);
  });

  it("a rom_file relative to the config becomes an absolute romFile on the GPU's host device", async () => {
    const { root } = await fixtureHost(Z370);
    const { kernel, dir } = await runPipeline({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:01:00.0", rom_file: "gt1030.rom" }]), files: { "gt1030.rom": "rom" } });
    const devices = kernel.session.get(vmDefinitionKey)!.hostDevices;
    expect(devices.map((device) => device.romFile)).toEqual([join(dir, "gt1030.rom"), null]);
    expect(kernel.session.get(vfioPlanKey)!.requests[0]!.romFile).toBe(join(dir, "gt1030.rom"));
  });

  it("a VM without [[passthrough]] skips the stage and writes no plan", async () => {
    const { root } = await fixtureHost(Z370);
    const { kernel, report } = await runPipeline({ hostRoot: root, toml: tomlWith("plain", []) });
    expect(report.stages.find((stage) => stage.id === "qemu_setup:configure_vfio")).toMatchObject({ status: "skipped" });
    expect(kernel.session.get(vfioPlanKey)).toBeUndefined();
    expect(kernel.session.get(vmDefinitionKey)!.hostDevices).toEqual([]);
  });

  it("with an emulated display, the passed GPU is not the guest's primary display", async () => {
    const { root } = await fixtureHost(Z370);
    const { kernel } = await runPipeline({ hostRoot: root, toml: `${tomlWith("htpc", [{ address: "0000:01:00.0" }])}\n[display]\ntype = "vnc"\n` });
    expect(kernel.session.get(vmDefinitionKey)!.hostDevices.map((device) => device.primaryGpu)).toEqual([false, false]);
  });

  it("an unknown address stops the run with exit code 2, the key path and the GPUs that are there", async () => {
    const { root } = await fixtureHost(Z370);
    const error = await pipelineError({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:09:00.0" }]) });
    expect(error.code).toBe("E_VFIO_DEVICE_NOT_FOUND");
    expect(error.exitCode).toBe(2);
    expect(error.problems).toEqual([expect.objectContaining({ keyPath: "passthrough[0].address", fix: expect.stringContaining("0000:01:00.0") })]);
  });

  it("a missing rom_file stops the run (exit 2)", async () => {
    const { root } = await fixtureHost(Z370);
    const error = await pipelineError({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:01:00.0", rom_file: "missing.rom" }]) });
    expect(error.problems.map((problem) => problem.code)).toContain("E_VFIO_ROM_NOT_FOUND");
  });

  it("the two R9 280X by ids: ambiguous, asks for the address", async () => {
    const { root } = await fixtureHost("intel-haswell-z97-two-r9-280x-shared-group");
    const error = await pipelineError({ hostRoot: root, toml: tomlWith("twin", [{ ids: "1002:6798" }]) });
    expect(error.code).toBe("E_VFIO_IDS_AMBIGUOUS");
    expect(error.fix).toContain('address = "0000:02:00.0"');
  });

  it("IOMMU off: the run stops with exit code 3 and the kernel parameter (qemu-setup's validation sees it first)", async () => {
    const { root } = await fixtureHost("iommu-disabled-raptorlake-rtx4070-laptop-gpu");
    const error = await pipelineError({ hostRoot: root, toml: tomlWith("laptop", [{ address: "0000:01:00.0" }]) });
    expect(error.exitCode).toBe(3);
    expect(JSON.stringify(error.toJSON())).toContain("intel_iommu=on");
  });
});
