import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostRoot } from "@vmforge/kernel";
import { EnvironmentDataSchema, HostReportSchema, buildHostReport, gatherEnvironment } from "../src/index.js";
import { parseKernelCmdline } from "../src/host/cmdline.js";
import { parseCpuinfo } from "../src/host/cpuinfo.js";
import { parseMeminfo, selectedMode } from "../src/host/meminfo.js";
import { parseOsRelease } from "../src/host/os-release.js";
import { PciNames } from "../src/host/pci-ids.js";
import { parsePciUevent, readPciDevices } from "../src/host/pci-devices.js";
import { systemChecks } from "../src/verdicts/system-checks.js";
import { checkHostRoot } from "./check-host.js";

/** The facts of an empty host, to vary one section at a time. */
function minimalEnvironment() {
  return EnvironmentDataSchema.parse(JSON.parse(JSON.stringify(emptyEnvironment)));
}
let emptyEnvironment: unknown;

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** A host tree from a map of host paths to contents (`-> target` makes a symlink). */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "vmforge-tree-"));
  folders.push(root);
  for (const [hostPath, content] of Object.entries(files)) {
    const path = join(root, hostPath);
    await mkdir(dirname(path), { recursive: true });
    if (content.startsWith("-> ")) await symlink(content.slice(3), path);
    else if (hostPath.endsWith("/")) await mkdir(path, { recursive: true });
    else await writeFile(path, content);
  }
  return root;
}

beforeAll(async () => {
  emptyEnvironment = await gatherEnvironment(new HostRoot(await tree({ "/README": "empty" })));
});

describe("kernel command line", () => {
  it("parses the IOMMU, VFIO, hugepage and isolation parameters", () => {
    const cmdline = parseKernelCmdline(
      'BOOT_IMAGE=/vmlinuz root=UUID=x ro quiet intel_iommu=on iommu=pt vfio-pci.ids=10DE:1B80,10de:10f0 pcie_acs_override=downstream,multifunction hugepagesz=1G hugepages=16 default_hugepagesz=1G isolcpus=2-7 acpi_osi="Windows 2015" -- single',
    );
    expect(cmdline).toMatchObject({
      intelIommu: "on",
      amdIommu: null,
      iommu: "pt",
      iommuPassthrough: true,
      vfioPciIds: ["10de:1b80", "10de:10f0"],
      pcieAcsOverride: "downstream,multifunction",
      hugepages: 16,
      hugepagesz: "1G",
      defaultHugepagesz: "1G",
      isolcpus: "2-7",
    });
    expect(cmdline.params).toContainEqual({ key: "acpi_osi", value: "Windows 2015" });
    expect(cmdline.params).toContainEqual({ key: "quiet", value: null });
    expect(cmdline.params.map((param) => param.key)).not.toContain("single");
  });

  it("takes `vfio_pci.ids` like `vfio-pci.ids`, and the last of repeated parameters", () => {
    expect(parseKernelCmdline("vfio_pci.ids=1002:67df iommu=off iommu=pt").vfioPciIds).toEqual(["1002:67df"]);
    expect(parseKernelCmdline("iommu=off iommu=pt").iommu).toBe("pt");
  });

  it("survives empty and garbage input", () => {
    expect(parseKernelCmdline(undefined)).toMatchObject({ raw: "", params: [], iommu: null, vfioPciIds: [] });
    expect(parseKernelCmdline("\u0000\u0001 === hugepages=lots").hugepages).toBeNull();
  });
});

describe("cpuinfo, meminfo, os-release", () => {
  it("gives zero CPUs and no flags for garbage, not an exception", () => {
    const cpu = parseCpuinfo("this is not cpuinfo\n\u0000\u0000");
    expect(cpu).toMatchObject({ vendor: "unknown", logicalCpus: 0, sockets: 0, flags: [] });
  });

  it("counts sockets from physical ids", () => {
    const block = (id: number, socket: number) => `processor\t: ${id}\nvendor_id\t: GenuineIntel\nphysical id\t: ${socket}\nsiblings\t: 2\ncpu cores\t: 2\nflags\t\t: vmx ept\n\n`;
    const cpu = parseCpuinfo(block(0, 0) + block(1, 0) + block(2, 1) + block(3, 1));
    expect(cpu).toMatchObject({ sockets: 2, coresPerSocket: 2, threadsPerCore: 1, logicalCpus: 4 });
  });

  it("reads meminfo in bytes and the selected THP mode", () => {
    const meminfo = parseMeminfo("MemTotal:       16318412 kB\nHugePages_Total:      16\nbogus line\n");
    expect(meminfo.get("MemTotal")).toBe(16318412 * 1024);
    expect(meminfo.get("HugePages_Total")).toBe(16);
    expect(selectedMode("always [madvise] never")).toBe("madvise");
    expect(selectedMode("garbage")).toBeNull();
  });

  it("unquotes os-release values", () => {
    expect(parseOsRelease('ID=fedora\nPRETTY_NAME="Fedora Linux 40 (Workstation Edition)"\nVERSION_ID=40\n# comment\n')).toEqual({
      id: "fedora",
      name: null,
      prettyName: "Fedora Linux 40 (Workstation Edition)",
      versionId: "40",
    });
  });
});

describe("pci.ids", () => {
  const names = new PciNames(
    Buffer.from("# comment\n10de  NVIDIA Corporation\n\t1d01  GP108 [GeForce GT 1030]\n\t\t1462 8c98  GP108 [GeForce GT 1030]\n\t1d02  Other\n1002  Advanced Micro Devices, Inc. [AMD/ATI]\n\t67df  Ellesmere\nC 03  Display controller\n\t00  VGA compatible controller\n\t\t00  VGA controller\n\t02  3D controller\nC 04  Multimedia controller\n\t03  Audio device\n"),
  );
  it("finds vendors, devices and classes", () => {
    expect(names.vendor("10de")).toBe("NVIDIA Corporation");
    expect(names.device("10de", "1d01")).toBe("GP108 [GeForce GT 1030]");
    expect(names.device("10de", "67df")).toBeNull();
    expect(names.device("1002", "67df")).toBe("Ellesmere");
    expect(names.className("030000")).toBe("VGA compatible controller");
    expect(names.className("040300")).toBe("Audio device");
    expect(names.className("038000")).toBe("Display controller");
    expect(names.className("ff0000")).toBeNull();
  });
});

describe("a host with missing, empty or garbage files", () => {
  it("an empty root: nothing known, nothing thrown, KVM FAIL and the host unfit", async () => {
    const root = await tree({ "/README": "empty host" });
    const env = await gatherEnvironment(new HostRoot(root));
    expect(EnvironmentDataSchema.parse(env)).toEqual(env);
    expect(env).toMatchObject({ os: { id: null }, kernel: { release: null, cmdline: { raw: "" } }, memory: { totalBytes: null }, pci: { devices: [] }, gpus: [] });
    expect(env.iommu).toMatchObject({ enabled: false, groups: [] });
    expect(env.modules.source).toBe("unavailable");
    const report = buildHostReport(env);
    expect(HostReportSchema.parse(report)).toEqual(report);
    expect(report.checks.find((check) => check.id === "cpu.virtualization")?.status).toBe("fail");
    expect(report.checks.find((check) => check.id === "kvm.device")?.status).toBe("fail");
    expect(report.kvmUsable).toBe(false);
    const host = await checkHostRoot(root);
    expect(host.hostUnfit.length).toBeGreaterThan(0);
  });

  it("garbage in /proc and /sys gives unknowns, and skips devices whose ids are not hex", async () => {
    const root = await tree({
      "/proc/cpuinfo": "\u0000\u0001garbage",
      "/proc/meminfo": "MemTotal: lots\n",
      "/proc/cmdline": "\u0000",
      "/sys/bus/pci/devices/0000:01:00.0/vendor": "not hex\n",
      "/sys/bus/pci/devices/0000:01:00.0/device": "0x1d01\n",
      "/sys/bus/pci/devices/0000:01:00.0/class": "0x030000\n",
      "/sys/bus/pci/devices/not-an-address/vendor": "0x10de\n",
      "/sys/kernel/mm/hugepages/hugepages-garbage/nr_hugepages": "x\n",
      "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "what\n",
    });
    const env = await gatherEnvironment(new HostRoot(root));
    expect(EnvironmentDataSchema.parse(env)).toEqual(env);
    expect(env.pci.devices).toEqual([]);
    expect(env.memory.totalBytes).toBeNull();
    expect(env.memory.hugepages.pools).toEqual([{ sizeBytes: 2 * 1024 * 1024, total: 0, free: 0, reserved: null, surplus: null }]);
  });

  it("an empty /sys/kernel/iommu_groups means the IOMMU is off; a DMAR table without intel_iommu=on says so", async () => {
    const root = await tree({
      "/sys/kernel/iommu_groups/": "",
      "/sys/firmware/acpi/tables/DMAR": "",
      "/proc/cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx ept\n",
      "/proc/cmdline": "ro quiet\n",
      "/sys/bus/pci/devices/0000:01:00.0/vendor": "0x10de\n",
      "/sys/bus/pci/devices/0000:01:00.0/device": "0x1d01\n",
      "/sys/bus/pci/devices/0000:01:00.0/class": "0x030000\n",
    });
    const env = await gatherEnvironment(new HostRoot(root));
    expect(env.iommu.enabled).toBe(false);
    expect(env.iommu.reason).toMatch(/DMAR.*intel_iommu=on/);
    const report = buildHostReport(env);
    expect(report.gpus[0]).toMatchObject({ address: "0000:01:00.0", verdict: "iommu-off", group: null });
    expect(report.checks.find((check) => check.id === "iommu.enabled")).toMatchObject({ status: "warn" });
    expect(report.checks.find((check) => check.id === "iommu.enabled")?.fix).toContain("intel_iommu=on");
  });

  it("iommu=off on the command line is named as the reason, and the fix removes it", async () => {
    const root = await tree({ "/proc/cmdline": "ro amd_iommu=off\n", "/proc/cpuinfo": "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: svm npt\n" });
    const env = await gatherEnvironment(new HostRoot(root));
    expect(env.iommu.reason).toContain("amd_iommu=off");
    expect(buildHostReport(env).checks.find((check) => check.id === "iommu.enabled")?.fix).toMatch(/remove `amd_iommu=off`/);
  });

  it("pcie_acs_override makes every clean group synthetic, and says so", async () => {
    const device = (address: string, vendor: string, id: string, klass: string, group: number) => ({
      [`/sys/bus/pci/devices/${address}/vendor`]: `0x${vendor}\n`,
      [`/sys/bus/pci/devices/${address}/device`]: `0x${id}\n`,
      [`/sys/bus/pci/devices/${address}/class`]: `0x${klass}\n`,
      [`/sys/bus/pci/devices/${address}/iommu_group`]: `-> ../../../kernel/iommu_groups/${group}`,
      [`/sys/kernel/iommu_groups/${group}/devices/${address}`]: `-> ../../../../devices/pci0000:00/${address}`,
    });
    const root = await tree({
      "/proc/cmdline": "ro pcie_acs_override=downstream,multifunction\n",
      ...device("0000:01:00.0", "10de", "1d01", "030000", 5),
      ...device("0000:01:00.1", "10de", "0fb8", "040300", 5),
      ...device("0000:00:02.0", "8086", "3e92", "030000", 1),
    });
    const env = await gatherEnvironment(new HostRoot(root));
    expect(env.iommu.acsOverride).toBe(true);
    const report = buildHostReport(env);
    expect(report.gpus.find((gpu) => gpu.address === "0000:01:00.0")?.verdict).toBe("synthetic-isolation");
    expect(report.checks.find((check) => check.id === "iommu.acs_override")?.status).toBe("warn");
  });

  it("a GPU group with a device the host can spare needs the whole group; a bridge does not count", async () => {
    const device = (address: string, vendor: string, id: string, klass: string, group: number, driver?: string) => ({
      [`/sys/bus/pci/devices/${address}/vendor`]: `0x${vendor}\n`,
      [`/sys/bus/pci/devices/${address}/device`]: `0x${id}\n`,
      [`/sys/bus/pci/devices/${address}/class`]: `0x${klass}\n`,
      [`/sys/bus/pci/devices/${address}/iommu_group`]: `-> ../../../kernel/iommu_groups/${group}`,
      [`/sys/kernel/iommu_groups/${group}/devices/${address}`]: `-> ../../../../devices/pci0000:00/${address}`,
      ...(driver ? { [`/sys/bus/pci/devices/${address}/driver`]: `-> ../../../bus/pci/drivers/${driver}` } : {}),
    });
    const root = await tree({
      ...device("0000:00:01.0", "8086", "1901", "060400", 2, "pcieport"),
      ...device("0000:01:00.0", "10de", "1d01", "030000", 2),
      ...device("0000:01:00.1", "10de", "0fb8", "040300", 2),
      ...device("0000:02:00.0", "1b21", "1242", "0c0330", 2, "vfio-pci"),
      ...device("0000:03:00.0", "1102", "0012", "040300", 2, "snd_hda_intel"),
      ...device("0000:00:02.0", "8086", "3e92", "030000", 1, "i915"),
    });
    const report = buildHostReport(await gatherEnvironment(new HostRoot(root)));
    const gpu = report.gpus.find((candidate) => candidate.address === "0000:01:00.0")!;
    expect(gpu.verdict).toBe("needs-group");
    expect(gpu.reasons.join("\n")).toContain("0000:02:00.0");
    expect(gpu.reasons.join("\n")).toContain("0000:03:00.0");
    expect(gpu.groupMates).toEqual([
      { address: "0000:02:00.0", name: expect.any(String), role: "movable" },
      { address: "0000:03:00.0", name: expect.any(String), role: "movable" },
    ]);
    expect(gpu.reasons.join("\n")).not.toContain("0000:00:01.0 (");
  });

  it("a snapshot's recorded systeminformation answer fills a disk model sysfs lacks", async () => {
    const root = await tree({
      "/sys/block/vda/size": "2048\n",
      "/sys/block/vda/device/vendor": "0x1af4\n",
      "/sys/block/loop0/size": "0\n",
      "/.vmforge/systeminformation-disks.json": JSON.stringify({ vda: { model: "QEMU HARDDISK", vendor: null }, loop0: { model: "never used", vendor: null } }),
      "/proc/partitions": "major minor  #blocks  name\n\n 254 0 1024 vda\n 254 1 512 vda1\n",
    });
    const env = await gatherEnvironment(new HostRoot(root));
    expect(env.storage.blockDevices).toEqual([
      { name: "loop0", sizeBytes: 0, rotational: null, removable: null, readOnly: null, virtual: true, model: null, vendor: null, partitions: [] },
      { name: "vda", sizeBytes: 1024 * 1024, rotational: null, removable: null, readOnly: null, virtual: false, model: "QEMU HARDDISK", vendor: null, partitions: ["vda1"] },
    ]);
  });

  it("PCI identity from uevent equals the single attributes (this machine's devices, both ways)", async ({ skip }) => {
    const live = new HostRoot("/");
    const addresses = (await live.list("/sys/bus/pci/devices")).slice(0, 20);
    if (addresses.length === 0) skip("no PCI devices visible");
    const files: Record<string, string> = {};
    for (const address of addresses) {
      for (const name of ["vendor", "device", "class", "subsystem_vendor", "subsystem_device", "numa_node"]) {
        const text = await live.readText(`/sys/bus/pci/devices/${address}/${name}`);
        if (text !== undefined) files[`/sys/bus/pci/devices/${address}/${name}`] = text;
      }
      const driver = await live.readLink(`/sys/bus/pci/devices/${address}/driver`);
      if (driver) files[`/sys/bus/pci/devices/${address}/driver`] = `-> ${driver}`;
    }
    const attributesOnly = await tree(files);
    const viaAttributes = await readPciDevices(new HostRoot(attributesOnly));
    const viaUevent = (await readPciDevices(live)).filter((device) => addresses.includes(device.address));
    const identity = (device: (typeof viaUevent)[number]) => [device.address, device.vendorId, device.deviceId, device.classCode, device.subsystemVendorId, device.subsystemDeviceId, device.driver];
    expect(viaAttributes.map(identity)).toEqual(viaUevent.map(identity));
  });
});

describe("parsePciUevent", () => {
  it("reads ids, class, subsystem and driver; refuses a uevent without ids", () => {
    expect(parsePciUevent("DRIVER=vfio-pci\nPCI_CLASS=30000\nPCI_ID=10DE:1D01\nPCI_SUBSYS_ID=1462:8C98\nPCI_SLOT_NAME=0000:01:00.0\n")).toEqual({
      vendorId: "10de",
      deviceId: "1d01",
      classCode: "030000",
      subsystemVendorId: "1462",
      subsystemDeviceId: "8c98",
      driver: "vfio-pci",
    });
    expect(parsePciUevent("PCI_SLOT_NAME=0000:01:00.0\n")).toBeUndefined();
    expect(parsePciUevent(undefined)).toBeUndefined();
  });

  it("warns when hugepages= asks for more pages than the kernel reserved", () => {
    const base = { totalBytes: 16 * 1024 ** 3, availableBytes: 8 * 1024 ** 3, transparentHugepages: "madvise" };
    const pools = [{ sizeBytes: 1024 ** 3, total: 6, free: 6, reserved: 0, surplus: 0 }];
    const check = systemChecks({
      ...minimalEnvironment(),
      kernel: { release: null, cmdline: parseKernelCmdline("default_hugepagesz=1G hugepagesz=1G hugepages=8") },
      memory: { ...base, hugepages: { defaultSizeBytes: 1024 ** 3, pools } },
    }).find((candidate) => candidate.id === "memory.hugepages")!;
    expect(check.status).toBe("warn");
    expect(check.message).toContain("asks for 8 hugepages of 1024 MiB but only 6");
  });
});

