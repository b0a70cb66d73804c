import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "@vmforge/test-support";
import { userVmRequestKey, vmDefinitionKey, vmDefinitionSchema, qemuCommandKey } from "../src/contract.js";
import { fakeEnvironment, fakeLinuxPlugin, fakeVfioPlugin } from "./support/environment.js";
import { runPipeline } from "./support/run-pipeline.js";

const examples = readdirSync(examplesDir).filter((name) => name.endsWith(".toml"));
const host = fakeEnvironment({ hugepages: { sizeBytes: 2 * 1024 ** 2, total: 9000, free: 9000 } });
const plugins = async () => [await fakeLinuxPlugin(), fakeVfioPlugin()];

describe("the examples", () => {
  it("include the four documented ones", () => {
    expect(examples).toEqual(expect.arrayContaining(["web-1.toml", "minimal.toml", "nvme-bridge.toml", "gpu-passthrough.toml"]));
  });

  it.each(examples)("%s loads, defines a schema-valid VM, and the same input gives the same definition", async (example) => {
    const outputDir = join(await import("./support/temp.js").then((m) => m.tempDir()), "out");
    const env = { VMFORGE_CACHE_HOME: join(outputDir, "..", "cache") };
    const first = await runPipeline(join(examplesDir, example), { environment: host, extraPlugins: await plugins(), outputDir, env });
    const second = await runPipeline(join(examplesDir, example), { environment: host, extraPlugins: await plugins(), outputDir, env });
    const definition = first.kernel.session.get(vmDefinitionKey)!;
    expect(vmDefinitionSchema.safeParse(definition).success).toBe(true);
    expect(second.kernel.session.get(vmDefinitionKey)).toEqual(definition);
    expect(second.kernel.session.get(qemuCommandKey)!.argv).toEqual(first.kernel.session.get(qemuCommandKey)!.argv);
    // gpu-passthrough has [looking_glass]: its systemd-tmpfiles line too.
    expect(first.report.artifacts.map((artifact) => artifact.name).sort()).toEqual([...(definition.lookingGlass ? ["looking-glass.conf"] : []), "launch.sh", "qemu-command.json", "vm-definition.json"].sort());
    expect(first.report.runName).toBe(definition.name);
    expect(JSON.parse(readFileSync(join(outputDir, "vm-definition.json"), "utf8"))).toEqual(definition);
  });

  it("web-1: the definition the issue asks for", async () => {
    const { kernel, outputDir } = await runPipeline(join(examplesDir, "web-1.toml"), { environment: host, extraPlugins: await plugins() });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition).toMatchObject({
      name: "web-1",
      uuid: "f57c30af-8d87-544c-b07d-9532d1e1dcaa",
      guest: "linux",
      machine: "q35",
      accelerator: { type: "kvm" },
      cpu: { model: "host-passthrough", qemuModel: "host", sockets: 1, cores: 2, threads: 1, vcpus: 2 },
      memory: { bytes: 2 * 1024 ** 3, mib: 2048, hugepages: false, hugepageSizeBytes: null },
      firmware: { type: "uefi", code: "/usr/share/OVMF/OVMF_CODE_4M.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.fd", vars: join(outputDir!, "OVMF_VARS.fd"), secureBoot: false, tpm: false },
      disks: [
        {
          id: "disk0",
          path: join(outputDir!, "disk0.qcow2"),
          format: "qcow2",
          bus: "virtio",
          sizeBytes: 20 * 1024 ** 3,
          serial: "web-1-d0",
          bootIndex: 1,
          source: "backing",
          backing: { path: expect.stringMatching(/\/vmforge-qemu-data-[^/]+\/cache\/images\/[0-9a-f]{64}\/debian-12-genericcloud-amd64\.qcow2$/), format: "qcow2" },
          image: expect.objectContaining({ name: "debian-12", url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2" }),
        },
      ],
      nics: [{ id: "net0", mode: "user", mac: "52:54:00:b6:e8:06", macSource: "derived", model: "virtio-net-pci" }],
      display: { type: "none", video: "none" },
      serial: { type: "socket", path: join(outputDir!, "console.sock"), log: join(outputDir!, "serial.log") },
      rng: { model: "virtio-rng-pci" },
      guestAgent: { channel: "org.qemu.guest_agent.0" },
      hostDevices: [],
      output: { libvirtXml: false },
    });
    expect(kernel.session.get(userVmRequestKey)!.extensions).toEqual({
      linux: expect.objectContaining({ hostname: "web-1", packages: ["nginx"], users: [expect.objectContaining({ name: "dev", sudo: true })] }),
    });
    expect(kernel.events.dispatched().map((event) => event.name)).toContain("VMDefinitionFinalized");
  });

  it('guest = "linux" without a plugin that prepares it: a warning naming the package', async () => {
    const { writeFile } = await import("node:fs/promises");
    const path = join(await import("./support/temp.js").then((m) => m.tempDir()), "vm.toml");
    await writeFile(path, '[vm]\nname = "bare"\nguest = "linux"\n');
    const { kernel } = await runPipeline(path, { environment: host });
    expect(kernel.ui.history()).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Warn", code: "W_GUEST_UNHANDLED", fix: expect.stringContaining("@vmforge/plugin-linux-setup") })]));
  });

  it("nvme-bridge: NVMe + SCSI disks, bridge with a given MAC, user NIC with forwards", async () => {
    const { kernel } = await runPipeline(join(examplesDir, "nvme-bridge.toml"), { environment: host });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.firmware).toMatchObject({ type: "bios", code: null, vars: null });
    expect(definition.disks.map((disk) => [disk.bus, disk.format, disk.serial, disk.bootIndex])).toEqual([
      ["nvme", "qcow2", "db-1-d0", 1],
      ["scsi", "raw", "pgdata", null],
    ]);
    expect(definition.controllers.map((controller) => controller.model)).toContain("virtio-scsi-pci");
    expect(definition.nics).toMatchObject([
      { mode: "bridge", bridge: "br0", mac: "52:54:00:ab:cd:01", macSource: "given" },
      { mode: "user", model: "e1000e", forwards: [{ protocol: "tcp", hostPort: 2222, guestPort: 22 }, { protocol: "udp", hostPort: 5353, guestPort: 53 }] },
    ]);
    expect(definition.display).toEqual({ type: "vnc", listen: "127.0.0.1", port: 5901, video: "virtio-vga" });
    const argv = kernel.session.get(qemuCommandKey)!.argv;
    expect(argv).toContain("bridge,id=net0,br=br0");
    expect(argv).toContain("user,id=net1,hostfwd=tcp::2222-:22,hostfwd=udp::5353-:53");
    expect(argv[argv.indexOf("-vnc") + 1]).toBe("127.0.0.1:1");
  });

  it("gpu-passthrough: the passthrough plugin's host devices land in the definition and the command", async () => {
    const { kernel } = await runPipeline(join(examplesDir, "gpu-passthrough.toml"), { environment: host, extraPlugins: [fakeVfioPlugin()] });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.hostDevices.map((device) => device.address)).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    expect(definition.firmware).toMatchObject({ secureBoot: true, tpm: true, code: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.ms.fd" });
    expect(definition.memory).toMatchObject({ hugepages: true, hugepageSizeBytes: 2 * 1024 ** 2 });
    const argv = kernel.session.get(qemuCommandKey)!.argv;
    expect(argv).toContain("vfio-pci,host=0000:01:00.0,bus=hostport1,addr=00.0,multifunction=on");
    expect(argv).toContain("vfio-pci,host=0000:01:00.1,bus=hostport1,addr=00.1");
    expect(argv).toContain("type=q35,accel=kvm,smm=on,memory-backend=mem0");
    expect(argv).toContain("memory-backend-memfd,id=mem0,size=16384M,hugetlb=on,hugetlbsize=2097152,share=on,prealloc=on");
    expect(argv).toContain("usb-host,bus=usb.0,vendorid=0x046d,productid=0xc52b");
  });
});
