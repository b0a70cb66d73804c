import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { snapshotFromCapture, type CaptureSnapshotOptions } from "./host-snapshot.js";

/** One PCI function of a made-up host, in the words of `lspci -nn`. */
export interface MadeDevice {
  /** Short address, `01:00.0`. */
  address: string;
  /** Four hex digits: `0302`. */
  classCode: string;
  className: string;
  /** `10de:1eb8`. */
  ids: string;
  /** `NVIDIA Corporation TU104GL [Tesla T4]`. */
  name: string;
  group: number;
  driver?: string;
}

/**
 * A host made up for one test: an IOMMU listing and `lspci -nnk` written as a capture in
 * `folder/capture`, turned into a snapshot tree in `folder/root` by the same
 * `snapshotFromCapture` the fixture hosts go through. Returns the snapshot folder (a host root).
 */
export async function madeHost(folder: string, devices: readonly MadeDevice[], options: CaptureSnapshotOptions = {}): Promise<string> {
  const capture = join(folder, "capture");
  await mkdir(capture, { recursive: true });
  const line = (device: MadeDevice): string => `${device.address} ${device.className} [${device.classCode}]: ${device.name} [${device.ids}]`;
  await writeFile(join(capture, "iommu_groups.txt"), devices.map((device) => `IOMMU Group ${device.group} ${line(device)}`).join("\n") + "\n");
  await writeFile(join(capture, "lspci-nnk.txt"), devices.map((device) => `${line(device)}\n${device.driver ? `\tKernel driver in use: ${device.driver}\n` : ""}`).join(""));
  const root = join(folder, "root");
  await snapshotFromCapture(capture, root, options);
  return root;
}

export const intelHostBridge: MadeDevice = { address: "00:00.0", classCode: "0600", className: "Host bridge", ids: "8086:3ec2", name: "Intel Corporation 8th Gen Core Processor Host Bridge/DRAM Registers", group: 10 };
/** The x16 root port, alone in group 1: cards in its slot land in that group. */
export const intelRootPort: MadeDevice = { address: "00:01.0", classCode: "0604", className: "PCI bridge", ids: "8086:1901", name: "Intel Corporation 6th-10th Gen Core Processor PCIe Controller (x16)", group: 1, driver: "pcieport" };
export const intelUhd630: MadeDevice = { address: "00:02.0", classCode: "0300", className: "VGA compatible controller", ids: "8086:3e92", name: "Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630]", group: 0, driver: "i915" };
/** Devices most made-up hosts share: the host bridge, the root port, the UHD 630 on i915 alone in group 0. */
export const intelPlatform: readonly MadeDevice[] = [intelHostBridge, intelRootPort, intelUhd630];

/** A compute card: a 3D controller (0302), no display outputs, no audio function. */
export function teslaT4(address: string, group: number, driver?: string): MadeDevice {
  return { address, classCode: "0302", className: "3D controller", ids: "10de:1eb8", name: "NVIDIA Corporation TU104GL [Tesla T4]", group, ...(driver ? { driver } : {}) };
}
