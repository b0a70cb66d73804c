import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HostRoot } from "@vmforge/kernel";
import { gatherEnvironment } from "@vmforge/plugin-env-check";
import { snapshotFromCapture, type CaptureSnapshotOptions } from "@vmforge/test-support";
import { tempDir, type FixtureHost } from "./fixture-host.js";

/** One PCI function of a made-up host, in the words of `lspci -nn`. */
export interface MadeDevice {
  /** Short address, `01:00.0`. */
  address: string;
  /** Four hex digits: `0302`. */
  classCode: string;
  className: string;
  /** `10de:1eb8`. */
  ids: string;
  name: string;
  group: number;
  driver?: string;
}

/**
 * A host made up for one test: an IOMMU listing and `lspci -nnk` written as a capture, turned
 * into a snapshot tree by the same `snapshotFromCapture` the fixture hosts go through.
 */
export async function madeHost(devices: readonly MadeDevice[], options: CaptureSnapshotOptions = {}): Promise<FixtureHost> {
  const folder = await tempDir("vmforge-vfio-made-");
  const capture = join(folder, "capture");
  await mkdir(capture);
  const line = (device: MadeDevice): string => `${device.address} ${device.className} [${device.classCode}]: ${device.name} [${device.ids}]`;
  await writeFile(join(capture, "iommu_groups.txt"), devices.map((device) => `IOMMU Group ${device.group} ${line(device)}`).join("\n") + "\n");
  await writeFile(join(capture, "lspci-nnk.txt"), devices.map((device) => `${line(device)}\n${device.driver ? `\tKernel driver in use: ${device.driver}\n` : ""}`).join(""));
  const root = join(folder, "root");
  await snapshotFromCapture(capture, root, options);
  return { root, env: await gatherEnvironment(new HostRoot(root)) };
}

/** An Intel host bridge, the x16 root port (group 1) and the UHD 630 on i915 alone in group 0. */
export const intelPlatform: MadeDevice[] = [
  { address: "00:00.0", classCode: "0600", className: "Host bridge", ids: "8086:3ec2", name: "Intel Corporation 8th Gen Core Processor Host Bridge/DRAM Registers", group: 10 },
  { address: "00:01.0", classCode: "0604", className: "PCI bridge", ids: "8086:1901", name: "Intel Corporation 6th-10th Gen Core Processor PCIe Controller (x16)", group: 1, driver: "pcieport" },
  { address: "00:02.0", classCode: "0300", className: "VGA compatible controller", ids: "8086:3e92", name: "Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630]", group: 0, driver: "i915" },
];

/** A compute card: a 3D controller (0302), no display outputs, no audio function. */
export function teslaT4(address: string, group: number, driver?: string): MadeDevice {
  return { address, classCode: "0302", className: "3D controller", ids: "10de:1eb8", name: "NVIDIA Corporation TU104GL [Tesla T4]", group, ...(driver ? { driver } : {}) };
}
