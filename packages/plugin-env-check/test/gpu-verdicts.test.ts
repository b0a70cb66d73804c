import { afterAll, describe, expect, it } from "vitest";
import { checkHostRoot, removeSnapshots, type CheckedHost } from "./check-host.js";
import { intelHostBridge, intelPlatform, intelRootPort, madeHost, removeMadeHosts, teslaT4, type MadeDevice } from "./hand-made-host.js";

afterAll(async () => {
  await removeMadeHosts();
  await removeSnapshots();
});

const IGPU = "0000:00:02.0";
const reasonsOf = (host: CheckedHost, address: string): string => host.gpu(address).reasons.join("\n");

/** The Intel platform with the iGPU as boot GPU, plus these devices. */
async function hostWith(devices: MadeDevice[], bootVga: string | null = IGPU): Promise<CheckedHost> {
  return checkHostRoot(await madeHost([...intelPlatform, ...devices], { bootVga }));
}

describe("a GPU the host does not use is no host-needed device", () => {
  it.each([
    ["both unbound", undefined, undefined],
    ["both on vfio-pci", "vfio-pci", "vfio-pci"],
    ["one on vfio-pci, one unbound", "vfio-pci", undefined],
    ["both on pci-stub", "pci-stub", "pci-stub"],
  ])("two compute GPUs in one group, %s: each needs-group, naming the other; nobody is blocked", async (_, first, second) => {
    const host = await hostWith([teslaT4("01:00.0", 1, first), teslaT4("02:00.0", 1, second)]);
    for (const [gpu, other] of [["0000:01:00.0", "0000:02:00.0"], ["0000:02:00.0", "0000:01:00.0"]] as const) {
      const report = host.gpu(gpu);
      expect(report.verdict).toBe("needs-group");
      expect(report.groupMates).toEqual([{ address: other, name: "NVIDIA Corporation TU104GL [Tesla T4]", role: "movable" }]);
      expect(reasonsOf(host, gpu)).toMatch(new RegExp(`${other.replace(/\./g, "\\.")} is a GPU the host does not use .*pass both cards to the same VM`));
      expect(reasonsOf(host, gpu)).not.toMatch(/host needs/);
    }
    // The iGPU elsewhere is still the host's.
    expect(host.gpu(IGPU).verdict).toBe("host-gpu");
  });

  it("a headless host with two unbound compute GPUs: needs-group, never host-gpu (a 3D controller shows no screen)", async () => {
    const host = await checkHostRoot(await madeHost([intelHostBridge, intelRootPort, teslaT4("01:00.0", 1), teslaT4("02:00.0", 1)], { bootVga: null }));
    expect(host.report.gpus.map((gpu) => [gpu.address, gpu.verdict])).toEqual([
      ["0000:01:00.0", "needs-group"],
      ["0000:02:00.0", "needs-group"],
    ]);
  });

  it("a lone unbound compute GPU on a headless host is ready, not the host's only display", async () => {
    const host = await checkHostRoot(await madeHost([intelHostBridge, intelRootPort, teslaT4("01:00.0", 1)], { bootVga: null }));
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
    expect(reasonsOf(host, "0000:01:00.0")).not.toMatch(/display device/);
  });

  it("an unbound VGA card that is not the boot GPU goes along with the compute card in its group", async () => {
    const vga: MadeDevice = { address: "02:00.0", classCode: "0300", className: "VGA compatible controller", ids: "1002:6798", name: "Advanced Micro Devices, Inc. [AMD/ATI] Tahiti XT [Radeon HD 7970/8970 OEM / R9 280X]", group: 1 };
    const host = await hostWith([teslaT4("01:00.0", 1), vga]);
    expect(host.gpu("0000:01:00.0").verdict).toBe("needs-group");
    expect(host.gpu("0000:01:00.0").groupMates).toEqual([expect.objectContaining({ address: "0000:02:00.0", role: "movable" })]);
    expect(host.gpu("0000:02:00.0").verdict).toBe("needs-group");
  });
});

describe("a device the host really uses blocks its group", () => {
  it("a compute GPU the host drives (nvidia bound) blocks the other card; it can itself go with the unused one", async () => {
    const host = await hostWith([teslaT4("01:00.0", 1, "nvidia"), teslaT4("02:00.0", 1)]);
    const unused = host.gpu("0000:02:00.0");
    expect(unused.verdict).toBe("blocked");
    expect(unused.groupMates).toEqual([expect.objectContaining({ address: "0000:01:00.0", role: "host-needed" })]);
    expect(reasonsOf(host, "0000:02:00.0")).toMatch(/another GPU the host uses: 0000:01:00\.0 is driven by nvidia/);
    const driven = host.gpu("0000:01:00.0");
    expect(driven.verdict).toBe("needs-group");
    expect(driven.groupMates).toEqual([expect.objectContaining({ address: "0000:02:00.0", role: "movable" })]);
  });

  it("the boot VGA, even unbound, blocks a compute GPU in its group and stays the host's GPU", async () => {
    const boot: MadeDevice = { address: "02:00.0", classCode: "0300", className: "VGA compatible controller", ids: "10de:1d01", name: "NVIDIA Corporation GP108 [GeForce GT 1030]", group: 1 };
    const host = await hostWith([teslaT4("01:00.0", 1), boot], "02:00.0");
    expect(host.gpu("0000:01:00.0").verdict).toBe("blocked");
    expect(reasonsOf(host, "0000:01:00.0")).toMatch(/0000:02:00\.0 is the boot GPU/);
    expect(host.gpu("0000:02:00.0").verdict).toBe("host-gpu");
  });

  it.each([
    ["a bound network controller", { address: "03:00.0", classCode: "0200", className: "Ethernet controller", ids: "8086:15b8", name: "Intel Corporation Ethernet Connection (2) I219-V", group: 1, driver: "e1000e" }],
    ["a bound NVMe controller", { address: "03:00.0", classCode: "0108", className: "Non-Volatile memory controller", ids: "144d:a808", name: "Samsung Electronics Co Ltd NVMe SSD Controller SM981/PM981/PM983", group: 1, driver: "nvme" }],
    ["a bound USB controller", { address: "03:00.0", classCode: "0c03", className: "USB controller", ids: "1b21:2142", name: "ASMedia Technology Inc. ASM2142 USB 3.1 Host Controller", group: 1, driver: "xhci_hcd" }],
    ["an unbound SATA controller (a capture without drivers)", { address: "03:00.0", classCode: "0106", className: "SATA controller", ids: "1b21:0612", name: "ASMedia Technology Inc. ASM1062 Serial ATA Controller", group: 1 }],
  ] as const)("%s in the group blocks both compute GPUs, named", async (_, device) => {
    const host = await hostWith([teslaT4("01:00.0", 1), teslaT4("02:00.0", 1), device]);
    for (const gpu of ["0000:01:00.0", "0000:02:00.0"]) {
      expect(host.gpu(gpu).verdict).toBe("blocked");
      expect(reasonsOf(host, gpu)).toMatch(/0000:03:00\.0 \(.*which the host needs/);
      // The other card is still movable, not a reason to block.
      expect(host.gpu(gpu).groupMates.filter((mate) => mate.role === "host-needed").map((mate) => mate.address)).toEqual(["0000:03:00.0"]);
    }
  });

  it("a network controller already on vfio-pci does not block", async () => {
    const nic: MadeDevice = { address: "03:00.0", classCode: "0200", className: "Ethernet controller", ids: "8086:15b8", name: "Intel Corporation Ethernet Connection (2) I219-V", group: 1, driver: "vfio-pci" };
    const host = await hostWith([teslaT4("01:00.0", 1), nic]);
    expect(host.gpu("0000:01:00.0").verdict).toBe("needs-group");
  });
});

describe("HDMI/DP audio notes are for plug-in VGA cards (0300) only", () => {
  it("no audio note or gpu.audio_function check for a 3D controller (0302) or another display controller (0380)", async () => {
    const other: MadeDevice = { address: "02:00.0", classCode: "0380", className: "Display controller", ids: "1002:6611", name: "Advanced Micro Devices, Inc. [AMD/ATI] Oland [Radeon HD 8570 / R5 430 OEM / R7 240/340 / Radeon 520 OEM]", group: 2 };
    const host = await hostWith([teslaT4("01:00.0", 1), other]);
    for (const gpu of ["0000:01:00.0", "0000:02:00.0"]) {
      expect(reasonsOf(host, gpu)).not.toMatch(/audio/);
      expect(host.check(`gpu.audio_function.${gpu}`)).toBeUndefined();
    }
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
  });

  it("a VGA card without its audio function still gets the note and the warning", async () => {
    const vga: MadeDevice = { address: "01:00.0", classCode: "0300", className: "VGA compatible controller", ids: "10de:1d01", name: "NVIDIA Corporation GP108 [GeForce GT 1030]", group: 1 };
    const host = await hostWith([vga]);
    expect(reasonsOf(host, "0000:01:00.0")).toMatch(/no HDMI\/DP audio function next to 0000:01:00\.0/);
    expect(host.check("gpu.audio_function.0000:01:00.0")?.status).toBe("warn");
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
    // The platform's UHD 630 (00:02.0) is integrated: its HDMI audio is the chipset's, nothing is missing.
    expect(reasonsOf(host, "0000:00:02.0")).not.toMatch(/audio/);
    expect(host.check("gpu.audio_function.0000:00:02.0")).toBeUndefined();
  });
});
