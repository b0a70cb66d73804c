import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { all, describeWhen, examplesDir, machineOvmfHostRoot, ovmf, tool } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey, type VmDefinition } from "../src/contract.js";
import { fakeEnvironment, fakeLinuxPlugin } from "./support/environment.js";
import { QmpSession } from "./support/qmp.js";
import { runPipeline } from "./support/run-pipeline.js";

/*
 * Runs each example's generated command with the real qemu-system-x86_64 under TCG (this
 * machine and CI have no /dev/kvm), paused, and asks QEMU over QMP what it built.
 */

// UEFI examples boot this machine's OVMF: planned against a snapshot holding copies of it.
const haveQemu = all(tool("qemu-system-x86_64", "qemu-system-x86"), tool("qemu-img", "qemu-utils"), ovmf());
const examples = readdirSync(examplesDir).filter((name) => name.endsWith(".toml") && name !== "gpu-passthrough.toml");
// No host here has /dev/kvm, the bridge br0 or the IOMMU; the host facts say so.
const tcgHost = fakeEnvironment({ kvm: false, logicalCpus: 8 });

/**
 * In the test only: a bridge backend needs br0 and qemu-bridge-helper, so it becomes user-mode
 * (the NIC device stays); a fixed VNC port may be taken on a shared machine, so QEMU may move up.
 */
function forThisMachine(argv: string[]): string[] {
  return argv.map((argument, index) => {
    if (argv[index - 1] === "-vnc" && !argument.includes(",to=")) return `${argument},to=99`;
    return argument.replace(/^bridge,id=(net\d+),br=.*$/, "user,id=$1");
  });
}

interface QtreeDevice {
  type: string;
  id: string;
  props: Map<string, string>;
}

function qtreeDevices(qtree: string): QtreeDevice[] {
  const devices: QtreeDevice[] = [];
  let current: QtreeDevice | undefined;
  for (const line of qtree.split(/\r?\n/)) {
    const dev = /dev: ([\w.-]+), id "([^"]*)"/.exec(line);
    if (dev) {
      current = { type: dev[1]!, id: dev[2]!, props: new Map() };
      devices.push(current);
      continue;
    }
    const prop = /^\s+([\w-]+) = (.*)$/.exec(line);
    if (prop && current && !current.props.has(prop[1]!)) current.props.set(prop[1]!, prop[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return devices;
}

/** A property of a device, or of the virtio device a `*-pci` proxy carries (listed right after it). */
function propertyOf(devices: QtreeDevice[], id: string, name: string): string | undefined {
  const index = devices.findIndex((device) => device.id === id);
  const device = devices[index];
  if (!device) return undefined;
  if (device.props.has(name)) return device.props.get(name);
  const child = devices[index + 1];
  return child && child.id === "" && child.type.startsWith(device.type.replace(/-pci$/, "")) ? child.props.get(name) : undefined;
}

const DISK_DEVICE: Record<VmDefinition["disks"][number]["bus"], string> = { virtio: "virtio-blk-pci", nvme: "nvme", sata: "ide-hd", scsi: "scsi-hd" };

describeWhen(haveQemu)("the generated command runs in the real QEMU (TCG)", () => {
  it.for(examples)("%s: QEMU accepts it and builds the defined CPUs and devices", async (example) => {
    const { kernel } = await runPipeline(join(examplesDir, example), { environment: tcgHost, filesRoot: await machineOvmfHostRoot(), extraPlugins: [await fakeLinuxPlugin({ media: true })] });
    const definition = kernel.session.get(vmDefinitionKey)!;
    // The snapshot's firmware paths are Debian's, where this machine has the real images.
    if (definition.firmware.code) expect(existsSync(definition.firmware.code)).toBe(true);
    const command = kernel.session.get(qemuCommandKey)!;
    expect(definition.accelerator.type).toBe("tcg");
    expect(command.argv[0]).toBe("qemu-system-x86_64");
    // An image disk's base would be downloaded by apply; a blank stand-in in the test's cache takes its place.
    for (const disk of definition.disks.filter((entry) => entry.image)) {
      mkdirSync(dirname(disk.image!.cachePath), { recursive: true });
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk.image!.cachePath, "2G"]);
    }
    for (const image of command.createImages) execFileSync(image.argv[0]!, image.argv.slice(1));

    const qemu = await QmpSession.start(forThisMachine(command.argv), definition.qmpSocket);
    try {
      const cpus = await qemu.execute<unknown[]>("query-cpus-fast");
      expect(cpus).toHaveLength(definition.cpu.vcpus);
      const status = await qemu.execute<{ status: string }>("query-status");
      expect(status.status).toBe("prelaunch");

      const devices = qtreeDevices(await qemu.hmp("info qtree"));
      const byId = new Map(devices.map((device) => [device.id, device]));
      for (const disk of definition.disks) {
        const device = byId.get(`${disk.id}-dev`);
        expect(device?.type, `${disk.id} on ${disk.bus}`).toBe(DISK_DEVICE[disk.bus]);
        expect(propertyOf(devices, `${disk.id}-dev`, "serial")).toBe(disk.serial);
      }
      for (const nic of definition.nics) {
        const device = byId.get(`${nic.id}-dev`);
        expect(device?.type).toBe(nic.model);
        expect(propertyOf(devices, `${nic.id}-dev`, "mac")).toBe(nic.mac);
      }
      const types = devices.map((device) => device.type);
      expect(types.includes("virtio-rng-pci")).toBe(definition.rng !== null);
      expect(types.includes("virtserialport")).toBe(definition.guestAgent !== null);
      expect(types.includes("usb-tablet")).toBe(definition.input.some((entry) => entry.type === "tablet"));
      expect(types.filter((type) => type === "ide-cd")).toHaveLength(example === "web-1.toml" ? 1 : 0);

      const nodes = await qemu.execute<Array<{ "node-name": string; file: string }>>("query-named-block-nodes");
      for (const disk of definition.disks) {
        expect(nodes.find((node) => node["node-name"] === `${disk.id}-file`)?.file).toBe(disk.path);
      }
      const pci = await qemu.execute<Array<{ devices: Array<{ class_info: { class: number } }> }>>("query-pci");
      const ethernet = pci.flatMap((bus) => bus.devices).filter((device) => device.class_info.class === 0x0200);
      expect(ethernet).toHaveLength(definition.nics.length);
    } finally {
      expect(await qemu.quit()).toBe(0);
    }
  });

  it("launch.sh itself starts the VM (extra arguments such as -S pass through)", async () => {
    const { kernel, outputDir } = await runPipeline(join(examplesDir, "minimal.toml"), { environment: tcgHost, filesRoot: await machineOvmfHostRoot() });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(existsSync(definition.firmware.code!)).toBe(true);
    const qemu = await QmpSession.start([join(outputDir!, "launch.sh")], definition.qmpSocket);
    try {
      expect(await qemu.execute<unknown[]>("query-cpus-fast")).toHaveLength(definition.cpu.vcpus);
      expect(await qemu.execute<{ status: string }>("query-status")).toMatchObject({ status: "prelaunch" });
    } finally {
      expect(await qemu.quit()).toBe(0);
    }
  });
});
