import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureHostsDir, snapshotFromCapture, type CaptureSnapshotOptions } from "@vmforge/test-support";
import { vmDefinitionKey } from "../src/contract.js";
import { fakeVfioPlugin } from "./support/environment.js";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";
import { tempDir, tomlFile } from "./support/temp.js";

/*
 * Requests against real host captures (fixtures/hosts), read by the real env-check
 * plugin from snapshot trees. The captures lack meminfo and network facts; the snapshot fills
 * in 16 GiB, no hugepages, OVMF installed, only `lo` (see @vmforge/test-support).
 */

const folders: string[] = [];
async function snapshot(name: string, options: CaptureSnapshotOptions = {}): Promise<string> {
  const folder = await tempDir(`vmforge-qemu-${name.slice(0, 12)}-`);
  folders.push(folder);
  await snapshotFromCapture(join(fixtureHostsDir, name), folder, options);
  return folder;
}
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

const PENTIUM = "cpuinfo-intel-pentium-g640-baremetal-vmx"; // 2 cores, 2 threads, VT-x
const GUEST_CPU = "cpuinfo-vm-guest-intel-g640-hypervisor-no-vmx"; // inside a VM, no VT-x
const RYZEN = "cpuinfo-amd-ryzen7-2700x-baremetal-svm"; // 8 cores, 16 threads
const IOMMU_OFF = "iommu-disabled-raptorlake-rtx4070-laptop-gpu";
const IOMMU_ON = "intel-z370-i5-9400-gt1030-igpu-clean";

let pentium: string;
let ryzen: string;
beforeAll(async () => {
  pentium = await snapshot(PENTIUM);
  ryzen = await snapshot(RYZEN);
});

const vm = (body: string) => tomlFile(`[vm]\nname = "fit"\n${body}`);

describe("requests the fixture hosts cannot run (exit code 3)", () => {
  it("more vCPUs than logical CPUs: E_VCPUS_EXCEED_HOST at cpu.cores", async () => {
    const error = await pipelineError(await vm("[cpu]\ncores = 4\nthreads = 2\n"), { hostRoot: pentium });
    expect(error).toMatchObject({ code: "E_HOST_UNFIT", exitCode: 3 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_VCPUS_EXCEED_HOST", keyPath: "cpu.cores", line: 4, expected: "at most 2 vCPUs" })]);
  });

  it("more memory than the host has: E_MEMORY_EXCEEDS_HOST at memory.size", async () => {
    const error = await pipelineError(await vm('[memory]\nsize = "64GiB"\n'), { hostRoot: ryzen });
    expect(error).toMatchObject({ code: "E_HOST_UNFIT", exitCode: 3 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_MEMORY_EXCEEDS_HOST", keyPath: "memory.size", line: 4, received: "64GiB" })]);
  });

  it("hugepages with none reserved: E_HUGEPAGES_UNAVAILABLE with the command that reserves them", async () => {
    const error = await pipelineError(await vm('[memory]\nsize = "4GiB"\nhugepages = true\n'), { hostRoot: ryzen });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_HUGEPAGES_UNAVAILABLE", keyPath: "memory.hugepages", line: 5, fix: expect.stringContaining("nr_hugepages") })]);
  });

  it("a bridge the host lacks: E_BRIDGE_MISSING at network[0].bridge", async () => {
    const error = await pipelineError(await vm('[[network]]\nmode = "bridge"\nbridge = "br0"\n'), { hostRoot: ryzen });
    expect(error).toMatchObject({ code: "E_HOST_UNFIT", exitCode: 3 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_BRIDGE_MISSING", keyPath: "network[0].bridge", line: 5 })]);
  });

  it("passthrough with the IOMMU off: E_IOMMU_DISABLED naming the kernel parameter", async () => {
    const host = await snapshot(IOMMU_OFF);
    const error = await pipelineError(await vm('[[passthrough]]\naddress = "0000:01:00.0"\n'), { hostRoot: host, extraPlugins: [fakeVfioPlugin()] });
    expect(error).toMatchObject({ code: "E_HOST_UNFIT", exitCode: 3 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_IOMMU_DISABLED", keyPath: "passthrough[0]", line: 3, fix: expect.stringMatching(/intel_iommu=on/) })]);
  });

  it('accel = "kvm" on a CPU without VT-x: E_KVM_UNAVAILABLE at vm.accel', async () => {
    const host = await snapshot(GUEST_CPU);
    const error = await pipelineError(await tomlFile('[vm]\nname = "fit"\naccel = "kvm"\n'), { hostRoot: host });
    expect(error).toMatchObject({ code: "E_HOST_UNFIT", exitCode: 3 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_KVM_UNAVAILABLE", keyPath: "vm.accel", line: 3, fix: expect.stringContaining("nested") })]);
  });

  it("UEFI without OVMF on the host: E_OVMF_MISSING with `apt install ovmf`", async () => {
    const host = await snapshot(PENTIUM);
    await rm(join(host, "usr/share/OVMF"), { recursive: true, force: true });
    const error = await pipelineError(await vm(""), { hostRoot: host });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_OVMF_MISSING", keyPath: "firmware.type", fix: expect.stringContaining("apt install ovmf") })]);
  });

  it("every problem at once", async () => {
    const error = await pipelineError(await vm('[cpu]\ncores = 64\n[memory]\nsize = "1TiB"\n[[network]]\nmode = "bridge"\nbridge = "br9"\n'), { hostRoot: pentium });
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_VCPUS_EXCEED_HOST", "E_MEMORY_EXCEEDS_HOST", "E_BRIDGE_MISSING"]);
  });
});

describe("requests the fixture hosts can run", () => {
  it("no KVM and accel auto: TCG with a warning that says why and how to fix it", async () => {
    const host = await snapshot(GUEST_CPU);
    const { kernel } = await runPipeline(await vm(""), { hostRoot: host });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.accelerator.type).toBe("tcg");
    expect(definition.cpu.qemuModel).toBe("max");
    const warnings = kernel.ui.history().filter((message) => message.type === "Warn");
    expect(warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: "W_KVM_UNAVAILABLE", fix: expect.stringContaining("nested") }), expect.objectContaining({ code: "W_CPU_MODEL_TCG" })]));
  });

  it("/dev/kvm present in a VM whose CPU offers no VT-x (a container given the device, no nesting): TCG, as env-check's verdict says", async () => {
    const host = await snapshot(GUEST_CPU, { kvm: true });
    const { kernel } = await runPipeline(await vm(""), { hostRoot: host });
    expect(kernel.session.get(vmDefinitionKey)!.accelerator).toMatchObject({ type: "tcg", reason: expect.stringContaining("/dev/kvm is present but unusable") });
    expect(kernel.ui.history()).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Warn", code: "W_KVM_UNAVAILABLE" })]));
    const error = await pipelineError(await vm('accel = "kvm"\n'), { hostRoot: host });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_KVM_UNAVAILABLE", keyPath: "vm.accel" })]);
  });

  it("vCPUs above the physical cores but within the threads: a warning, not an error", async () => {
    const { kernel } = await runPipeline(await vm("[cpu]\ncores = 12\n"), { hostRoot: ryzen });
    expect(kernel.session.get(vmDefinitionKey)!.cpu.vcpus).toBe(12);
    expect(kernel.ui.history()).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Warn", code: "W_VCPUS_ABOVE_CORES" })]));
  });

  it("KVM on a bare-metal capture; OVMF from the snapshot", async () => {
    const { kernel } = await runPipeline(await vm(""), { hostRoot: ryzen });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.accelerator).toEqual({ type: "kvm", reason: "/dev/kvm is present" });
    expect(definition.firmware.code).toBe("/usr/share/OVMF/OVMF_CODE_4M.fd");
  });

  it("passthrough on a host with the IOMMU on, with a passthrough plugin installed", async () => {
    const host = await snapshot(IOMMU_ON);
    const { kernel } = await runPipeline(await vm('[[passthrough]]\naddress = "0000:01:00.0"\n'), { hostRoot: host, extraPlugins: [fakeVfioPlugin()] });
    expect(kernel.session.get(vmDefinitionKey)!.hostDevices).toHaveLength(2);
  });

  it("passthrough without a passthrough plugin: E_PASSTHROUGH_UNSUPPORTED (exit 2) names the package", async () => {
    const host = await snapshot(IOMMU_ON);
    const error = await pipelineError(await vm('[[passthrough]]\nids = "10de:1d01"\n'), { hostRoot: host });
    expect(error).toMatchObject({ code: "E_REQUEST_INVALID", exitCode: 2 });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_PASSTHROUGH_UNSUPPORTED", fix: expect.stringContaining("@vmforge/plugin-vfio-configurator") })]);
  });
});

describe("files the request names (relative to the TOML's folder)", () => {
  it("a missing disk and a missing base image", async () => {
    const error = await pipelineError(await vm('[[disk]]\npath = "images/missing.qcow2"\n[[disk]]\nbacking = "base.qcow2"\n'), { hostRoot: ryzen });
    expect(error).toMatchObject({ code: "E_REQUEST_INVALID", exitCode: 2 });
    expect(error.problems.map(({ code, keyPath, line }) => ({ code, keyPath, line }))).toEqual([
      { code: "E_DISK_MISSING", keyPath: "disk[0].path", line: 4 },
      { code: "E_BACKING_MISSING", keyPath: "disk[1].backing", line: 6 },
    ]);
  });

  it("existing images are found next to the TOML and their format is read from the file", async () => {
    const path = await vm('[[disk]]\npath = "data.img"\n[[disk]]\nbacking = "base.img"\nsize = "2GiB"\n');
    const folder = join(path, "..");
    await writeFile(join(folder, "data.img"), Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(508)]));
    await writeFile(join(folder, "base.img"), Buffer.alloc(512));
    const { kernel } = await runPipeline(path, { hostRoot: ryzen });
    expect(kernel.session.get(vmDefinitionKey)!.disks).toMatchObject([
      { path: join(folder, "data.img"), format: "qcow2", source: "existing", sizeBytes: null },
      { format: "qcow2", source: "backing", backing: { path: join(folder, "base.img"), format: "raw" }, sizeBytes: 2 * 1024 ** 3 },
    ]);
  });

  it("a read-only SATA disk is refused (QEMU's ide-hd cannot take one); virtio, SCSI and NVMe can", async () => {
    const error = await pipelineError(await vm('[[disk]]\nsize = "1GiB"\nbus = "sata"\nreadonly = true\n'), { hostRoot: ryzen });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_DISK_BUS_UNSUITABLE", keyPath: "disk[0].readonly", line: 6 })]);
    for (const bus of ["virtio", "scsi", "nvme"]) await runPipeline(await vm(`[[disk]]\nsize = "1GiB"\nbus = "${bus}"\nreadonly = true\n`), { hostRoot: ryzen });
  });

  it("OVMF files given in [firmware] are used; a missing one is named", async () => {
    const path = await vm('[firmware]\ncode = "ovmf/CODE.fd"\nvars = "ovmf/VARS.fd"\n');
    const folder = join(path, "..");
    await import("node:fs/promises").then((fs) => fs.mkdir(join(folder, "ovmf")));
    await writeFile(join(folder, "ovmf", "CODE.fd"), "code");
    const error = await pipelineError(path, { hostRoot: ryzen });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_FIRMWARE_FILE_MISSING", keyPath: "firmware.vars", line: 5, received: '"ovmf/VARS.fd"' })]);
    await writeFile(join(folder, "ovmf", "VARS.fd"), "vars");
    const { kernel } = await runPipeline(path, { hostRoot: ryzen });
    expect(kernel.session.get(vmDefinitionKey)!.firmware).toMatchObject({ code: join(folder, "ovmf", "CODE.fd"), varsTemplate: join(folder, "ovmf", "VARS.fd") });
  });

  it("a qcow2 file declared raw is refused (the guest could overwrite the metadata)", async () => {
    const path = await vm('[[disk]]\npath = "data.img"\nformat = "raw"\n');
    await writeFile(join(path, "..", "data.img"), Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(508)]));
    const error = await pipelineError(path, { hostRoot: ryzen });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_DISK_FORMAT_MISMATCH", keyPath: "disk[0].format", line: 5 })]);
  });
});
