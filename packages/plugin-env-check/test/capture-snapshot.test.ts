import { readFile, readlink, readdir } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultBootVga, fixtureHostsDir, parseIommuGroupListing, parseLspciNnk, snapshotFromCapture } from "@vmforge/test-support";

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe("parseIommuGroupListing", () => {
  it("reads the one-line form, skipping the prompt and the command line", () => {
    const { devices, groups } = parseIommuGroupListing(
      "alex@duo > cat /proc/cmdline; for d in ...; do \\\n    n=...; done\nBOOT_IMAGE=/boot/vmlinuz ro\nIOMMU group 2 00:01.0 PCI bridge [0604]: Intel Corporation Foo [8086:1901] (rev 07)\nIOMMU group 2 01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP108 [GeForce GT 1030] [10de:1d01] (rev a1)\n",
    );
    expect(groups).toEqual([{ id: 2, devices: ["0000:00:01.0", "0000:01:00.0"] }]);
    expect(devices[1]).toMatchObject({ address: "0000:01:00.0", classCode: "030000", vendorId: "10de", deviceId: "1d01", description: "NVIDIA Corporation GP108 [GeForce GT 1030]" });
  });

  it("reads headers with indented members (tab, two or eight spaces) and `>` continuation prompts", () => {
    const { groups } = parseIommuGroupListing("yy@ryzen:~$ for g in *; do\n>     echo\n> done;\nIOMMU Group 27:\n\t2d:00.0 VGA compatible controller [0300]: AMD [1002:67df] (rev e7)\nIOMMU group 8\n        10:00.0 VGA compatible controller [0300]: AMD [1002:67df]\n");
    expect(groups).toEqual([
      { id: 8, devices: ["0000:10:00.0"] },
      { id: 27, devices: ["0000:2d:00.0"] },
    ]);
  });

  it("copes with a line cut short in the source", () => {
    const { devices } = parseIommuGroupListing("IOMMU group 11\n  25:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Caicos HDMI Audio [Radeon HD 6450] [1002:a...\n");
    expect(devices[0]).toMatchObject({ address: "0000:25:00.1", vendorId: "1002", deviceId: "0000", classCode: "040300" });
  });

  it("reads `IOMMU Group *` as the IOMMU off, not as a group named *", () => {
    const { groups, devices } = parseIommuGroupListing("IOMMU Group * 00:00.0 Host bridge [0600]: Intel Corporation Device [8086:a702] (rev 01)\n...\n01:00.0 VGA compatible controller [0300]: NVIDIA Corporation Device [10de:2820] (rev a1)\n");
    expect(groups).toBeNull();
    expect(devices.map((device) => device.address)).toEqual(["0000:00:00.0", "0000:01:00.0"]);
  });
});

describe("parseLspciNnk and defaultBootVga", () => {
  it("takes drivers and subsystems from lspci -nnk", () => {
    const devices = parseLspciNnk("alex@duo > lspci -nnkq\n00:02.0 VGA compatible controller [0300]: Intel Corporation UHD 630 [8086:3e92]\n\tSubsystem: ASRock Incorporation UHD 630 [1849:3e92]\n\tKernel driver in use: i915\n\tKernel modules: i915\n01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP108 [10de:1d01] (rev a1)\n\tKernel modules: nouveau\n");
    expect(devices).toMatchObject([
      { address: "0000:00:02.0", driver: "i915", subsystem: { vendorId: "1849", deviceId: "3e92" } },
      { address: "0000:01:00.0", driver: null, subsystem: null },
    ]);
    expect(defaultBootVga(devices)).toBe("0000:00:02.0");
  });

  it("skips GPUs already on vfio-pci and prefers an APU's display", () => {
    const base = { className: "x", description: "x", group: null, subsystem: null };
    expect(
      defaultBootVga([
        { ...base, address: "0000:10:00.0", classCode: "030000", vendorId: "1002", deviceId: "67df", driver: null },
        { ...base, address: "0000:38:00.0", classCode: "030000", vendorId: "1002", deviceId: "15dd", driver: null },
        { ...base, address: "0000:38:00.2", classCode: "108000", vendorId: "1022", deviceId: "15df", driver: null },
      ]),
    ).toBe("0000:38:00.0");
    expect(
      defaultBootVga([
        { ...base, address: "0000:24:00.0", classCode: "030000", vendorId: "10de", deviceId: "128b", driver: "nvidia" },
        { ...base, address: "0000:0d:00.0", classCode: "030000", vendorId: "1002", deviceId: "67df", driver: "vfio-pci" },
      ]),
    ).toBe("0000:24:00.0");
  });
});

describe("snapshotFromCapture", () => {
  it("writes the sysfs tree with symlinks and reports the defaults it used", async () => {
    const out = await mkdtemp(join(tmpdir(), "vmforge-capture-"));
    folders.push(out);
    const snapshot = await snapshotFromCapture(join(fixtureHostsDir, "intel-z370-i5-9400-gt1030-igpu-clean"), out);
    expect(snapshot.bootVga).toBe("0000:00:02.0");
    expect(snapshot.notes.join("\n")).toMatch(/meminfo/);
    expect(await readlink(join(out, "sys/bus/pci/devices/0000:01:00.0"))).toBe("../../../devices/pci0000:00/0000:01:00.0");
    expect(await readlink(join(out, "sys/kernel/iommu_groups/2/devices/0000:01:00.1"))).toBe("../../../../devices/pci0000:00/0000:01:00.1");
    expect(await readFile(join(out, "sys/bus/pci/devices/0000:00:02.0/boot_vga"), "utf8")).toBe("1\n");
    expect(await readFile(join(out, "proc/cmdline"), "utf8")).toMatch(/^BOOT_IMAGE=\/boot\/vmlinuz-6\.8\.0-49-generic .* splash\n$/);
    expect(await readFile(join(out, "proc/sys/kernel/osrelease"), "utf8")).toBe("6.8.0-49-generic\n");
    expect((await readdir(join(out, "sys/kernel/iommu_groups"))).length).toBe(15);
  });

  it("takes the options: bootVga, cmdline, kvm, files", async () => {
    const out = await mkdtemp(join(tmpdir(), "vmforge-capture-"));
    folders.push(out);
    const snapshot = await snapshotFromCapture(join(fixtureHostsDir, "laptop-ivybridge-qm77-quadro-k2000m"), out, {
      bootVga: null,
      cmdline: "ro intel_iommu=on",
      kvm: false,
      files: { "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages": "8\n" },
    });
    expect(await readFile(join(out, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"), "utf8")).toBe("8\n");
    expect(snapshot.bootVga).toBeNull();
    expect(await readFile(join(out, "sys/bus/pci/devices/0000:00:02.0/boot_vga"), "utf8")).toBe("0\n");
    expect(await readFile(join(out, "proc/cmdline"), "utf8")).toBe("ro intel_iommu=on\n");
    await expect(readFile(join(out, "dev/kvm"))).rejects.toThrow();
  });
});
