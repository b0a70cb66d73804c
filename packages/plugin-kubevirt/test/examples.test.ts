import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { examplesDir } from "@vmforge/test-support";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { kubevirtVmKey } from "../src/contract.js";
import { kubevirtToml, plan } from "./support/plan.js";
import { validateVirtualMachine } from "./support/kubevirt-schema.js";

describe("examples/web-1.toml with [output] kubevirt = true", () => {
  it("kubevirt-vm.yaml validates against KubeVirt's v1.VirtualMachine and says what the definition says", async () => {
    const run = await plan(await kubevirtToml(join(examplesDir, "web-1.toml")));
    const text = await run.read("kubevirt-vm.yaml");
    const vm = parse(text) as Awaited<ReturnType<typeof run.vm>>;
    const strict = validateVirtualMachine(vm);
    expect(strict.ok, strict.errors).toBe(true);

    const definition = run.kernel.session.get(vmDefinitionKey)!;
    expect(vm).toMatchObject({ apiVersion: "kubevirt.io/v1", kind: "VirtualMachine", metadata: { name: "web-1" }, spec: { runStrategy: "Halted" } });
    const { domain, networks, volumes } = vm.spec.template.spec;
    expect(domain.cpu).toEqual({ sockets: 1, cores: 2, threads: 1, model: "host-passthrough" });
    expect(domain.memory).toEqual({ guest: "2Gi" });
    expect(domain.firmware.bootloader).toEqual({ efi: { secureBoot: false } });
    expect(domain.features).toBeUndefined();
    expect(domain.devices.tpm).toBeUndefined();

    // The image comes in through a DataVolume importing its URL, sized as the disk.
    expect(vm.spec.dataVolumeTemplates).toEqual([
      { metadata: { name: "web-1-disk0" }, spec: { source: { http: { url: definition.disks[0]!.image!.url } }, storage: { resources: { requests: { storage: "20Gi" } } } } },
    ]);
    expect(definition.disks[0]!.image!.url).toMatch(/^https:\/\/cloud\.debian\.org\/.*debian-12-genericcloud-amd64\.qcow2$/);
    expect(domain.devices.disks).toEqual([
      { name: "disk0", disk: { bus: "virtio" }, bootOrder: 1, serial: "web-1-d0" },
      { name: "cloudinitdisk", disk: { bus: "virtio" } },
    ]);

    // One user-mode NIC: masquerade on the pod network, with the MAC network-config matches on.
    expect(domain.devices.interfaces).toEqual([{ name: "net0", masquerade: {}, model: "virtio", macAddress: definition.nics[0]!.mac }]);
    expect(networks).toEqual([{ name: "net0", pod: {} }]);

    // cloud-init: byte for byte the files linux-setup wrote.
    const cloudInit = volumes.find((volume) => volume.cloudInitNoCloud)!.cloudInitNoCloud!;
    expect(cloudInit.userData).toBe(await run.read("cloud-init/user-data"));
    expect(cloudInit.networkData).toBe(await run.read("cloud-init/network-config"));
    expect(cloudInit.secretRef).toBeUndefined();
    expect(volumes.map((volume) => volume.name)).toEqual(["disk0", "cloudinitdisk"]);
    await expect(stat(join(run.outputDir, "kubevirt-secret.yaml"))).rejects.toThrow(/ENOENT/);

    expect(run.kernel.session.get(kubevirtVmKey)).toMatchObject({ path: join(run.outputDir, "kubevirt-vm.yaml"), status: "done", secretPath: null, warnings: [] });
    expect(run.warnings("W_KUBEVIRT_INEXPRESSIBLE")).toEqual([]);
    expect(run.kernel.events.dispatched()).toContainEqual({ name: "KubevirtVMGenerated", payload: { path: join(run.outputDir, "kubevirt-vm.yaml") } });
  });

  it("a dry run writes it only under --out, and with [output] kubevirt absent the stage does not run", async () => {
    const run = await plan(await kubevirtToml(join(examplesDir, "web-1.toml")));
    const written = run.report.effects.filter((effect) => effect.kind === "write-file" && effect.path?.endsWith("kubevirt-vm.yaml"));
    expect(written.map((effect) => effect.path)).toEqual([join(run.outputDir, "kubevirt-vm.yaml")]);

    const off = await plan(await kubevirtToml(join(examplesDir, "web-1.toml"), (text) => `${text}\n[output]\nkubevirt = false\n`));
    expect(off.report.stages.find((stage) => stage.id === "kubevirt:generate_kubevirt_vm")?.status).toBe("skipped");
    await expect(stat(join(off.outputDir, "kubevirt-vm.yaml"))).rejects.toThrow(/ENOENT/);
  });
});

describe("examples/gpu-passthrough.toml with [output] kubevirt = true, on the example host's snapshot", () => {
  it("validates, lists the GPU in gpus by its resource name, and carries hugepages, secure boot, SMM and the TPM", async () => {
    const run = await plan(await kubevirtToml(join(examplesDir, "gpu-passthrough.toml")));
    const vm = await run.vm();
    const strict = validateVirtualMachine(vm);
    expect(strict.ok, strict.errors).toBe(true);

    const definition = run.kernel.session.get(vmDefinitionKey)!;
    expect(definition.hostDevices.map((device) => device.address)).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    const { domain, volumes } = vm.spec.template.spec;
    expect(domain.devices.gpus).toEqual([{ name: "gpu0", deviceName: "nvidia.com/GP108_GeForce_GT_1030" }]);
    expect(domain.devices.hostDevices).toEqual([{ name: "hostdev0", deviceName: "nvidia.com/GP108_High_Definition_Audio_Controller" }]);
    expect(domain.cpu).toMatchObject({ sockets: 1, cores: 4, threads: 1 });
    expect(domain.memory).toEqual({ guest: "16Gi", hugepages: { pageSize: "2Mi" } });
    expect(domain.firmware.bootloader).toEqual({ efi: { secureBoot: true } });
    expect(domain.features).toEqual({ smm: { enabled: true } });
    expect(domain.devices.tpm).toEqual({});

    // A new empty disk: a blank DataVolume of its size, on the virtio bus (KubeVirt has no NVMe).
    expect(vm.spec.dataVolumeTemplates).toEqual([{ metadata: { name: "gaming-disk0" }, spec: { source: { blank: {} }, storage: { resources: { requests: { storage: "256Gi" } } } } }]);
    expect(domain.devices.disks).toEqual([{ name: "disk0", disk: { bus: "virtio" }, bootOrder: 1, serial: "gaming-d0" }]);
    expect(volumes).toEqual([{ name: "disk0", dataVolume: { name: "gaming-disk0" } }]);

    // What KubeVirt cannot say is a warning naming the key, with its line in the TOML.
    const toml = (await readFile(run.config, "utf8")).split("\n");
    const lineOf = (start: string) => toml.findIndex((line) => line.startsWith(start)) + 1;
    const warnings = run.warnings("W_KUBEVIRT_INEXPRESSIBLE").map((warning) => warning.text);
    expect(warnings).toEqual([
      expect.stringContaining(`${run.config}:${lineOf("bus = ")} disk[0].bus: KubeVirt has no NVMe disk bus`),
      expect.stringContaining(`${run.config}:${lineOf("address = ")} passthrough[0].address: IOMMU group 2 (0000:01:00.0, 0000:01:00.1)`),
      expect.stringContaining(`${run.config}:${lineOf("devices = ")} usb.devices[0]: a USB device of this host (046d:c52b) is left out`),
    ]);
    expect(run.kernel.session.get(kubevirtVmKey)!.warnings.map((warning) => warning.keyPath)).toEqual(["disk[0].bus", "passthrough[0].address", "usb.devices[0]"]);
    const notes = run.kernel.session.get(kubevirtVmKey)!.notes;
    expect(notes).toContainEqual(expect.stringContaining('pciVendorSelector: "10DE:1D01", resourceName: "nvidia.com/GP108_GeForce_GT_1030"'));
  });
});
