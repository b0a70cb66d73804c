import { describe, expect, it } from "vitest";
import type { VfioPlan } from "../src/contract.js";
import { fixtureHost } from "./support/fixture-host.js";
import { codesOf, planError, planFor, textOf } from "./support/plan-for.js";
import { requestWith, type PassthroughEntry } from "./support/request.js";

/*
 * Every fixture host with a GPU: ask for each GPU and check the plan or the refusal its
 * SOURCE.md implies. Snapshots come from @vmforge/test-support's snapshotFromCapture; where a
 * SOURCE.md names the host GPU and the default guess differs, the case says so (bootVga).
 */

async function plan(caseName: string, entries: PassthroughEntry[], options: Parameters<typeof fixtureHost>[1] = {}): Promise<VfioPlan> {
  const { root, env } = await fixtureHost(caseName, options);
  return (await planFor(root, env, requestWith(entries))).plan;
}

async function refusal(caseName: string, entries: PassthroughEntry[], options: Parameters<typeof fixtureHost>[1] = {}) {
  const { root, env } = await fixtureHost(caseName, options);
  const error = await planError(root, env, requestWith(entries));
  return { error, codes: codesOf(error), text: textOf(error) };
}

const addresses = (plan: VfioPlan): string[] => plan.functions.map((fn) => fn.address);
const warningCodes = (plan: VfioPlan): string[] => plan.warnings.map((warning) => warning.code);

describe("intel-z370-i5-9400-gt1030-igpu-clean", () => {
  const name = "intel-z370-i5-9400-gt1030-igpu-clean";

  it("GT 1030: ready with its audio function; the root port stays; unbound GPU needs no unbind", async () => {
    const result = await plan(name, [{ address: "0000:01:00.0" }]);
    expect(addresses(result)).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    expect(result.functions.map((fn) => [fn.why, fn.currentDriver, fn.action])).toEqual([
      ["requested", null, "bind"],
      ["gpu-function", "snd_hda_intel", "bind"],
    ]);
    expect(result.groups).toEqual([{ id: 2, guest: ["0000:01:00.0", "0000:01:00.1"], bridges: ["0000:00:01.0"] }]);
    expect(result.functions[0]!.bind.map((step) => step.path)).toEqual(["/sys/bus/pci/devices/0000:01:00.0/driver_override", "/sys/bus/pci/drivers_probe"]);
    expect(result.functions[1]!.bind).toEqual([
      expect.objectContaining({ path: "/sys/bus/pci/devices/0000:01:00.1/driver_override", value: "vfio-pci" }),
      expect.objectContaining({ path: "/sys/bus/pci/devices/0000:01:00.1/driver/unbind", value: "0000:01:00.1" }),
      expect.objectContaining({ path: "/sys/bus/pci/drivers_probe", value: "0000:01:00.1" }),
    ]);
    expect(result.bootTime.kernelParameter).toBe("vfio-pci.ids=10de:1d01,10de:0fb8");
    expect(result.bootTime.modprobeConf).toContain("softdep snd_hda_intel pre: vfio-pci");
    expect(warningCodes(result)).not.toContain("W_VFIO_NO_AUDIO");
  });

  it("the same GPU asked for by ids resolves to the same plan", async () => {
    expect(addresses(await plan(name, [{ ids: "10de:1d01" }]))).toEqual(["0000:01:00.0", "0000:01:00.1"]);
  });

  it("UHD 630: refused as the host's boot GPU, and says the host loses its display", async () => {
    const { codes, text, error } = await refusal(name, [{ address: "0000:00:02.0" }]);
    expect(codes).toEqual(["E_VFIO_HOST_GPU"]);
    expect(error.exitCode).toBe(2);
    expect(text).toContain("0000:00:02.0");
    expect(text).toMatch(/no display/);
    expect(text).toContain("allow_host_gpu = true");
  });
});

describe.each([
  ["intel-asrock-z170-gtx960-igpu-clean", "0000:01:00.0", ["0000:01:00.0", "0000:01:00.1"], 1, "0000:00:02.0"],
  ["intel-haswell-b85-gtx970-igpu-clean", "0000:01:00.0", ["0000:01:00.0", "0000:01:00.1"], 1, "0000:00:02.0"],
  ["amd-msi-b450m-mortar-max-hd7450-chipset-gtx960-clean", "0000:26:00.0", ["0000:26:00.0", "0000:26:00.1"], 12, undefined],
])("%s: the discrete GPU is ready", (caseName, gpu, functions, group, igpu) => {
  it(`${gpu} goes with its audio function, group ${group} only`, async () => {
    const result = await plan(caseName, [{ address: gpu }]);
    expect(addresses(result)).toEqual(functions);
    expect(result.groups.map((entry) => entry.id)).toEqual([group]);
    expect(result.functions.every((fn) => fn.action === "bind")).toBe(true);
  });
  if (igpu) {
    it(`the iGPU ${igpu} is refused as the host GPU`, async () => {
      expect((await refusal(caseName, [{ address: igpu }])).codes).toEqual(["E_VFIO_HOST_GPU"]);
    });
  }
});

describe("amd-msi-b450m-mortar-max-hd7450-chipset-gtx960-clean", () => {
  it("HD 7450 in the chipset group: blocked naming the USB, SATA and NIC; refused as host GPU too", async () => {
    const { codes, text, error } = await refusal("amd-msi-b450m-mortar-max-hd7450-chipset-gtx960-clean", [{ address: "0000:25:00.0" }]);
    expect(error.code).toBe("E_VFIO_PLAN_BLOCKED");
    expect(codes).toEqual(["E_VFIO_GROUP_BLOCKED", "E_VFIO_HOST_GPU"]);
    for (const device of ["0000:03:00.0 (USB controller", "0000:03:00.1 (SATA controller", "0000:22:00.0 (Ethernet controller"]) expect(text).toContain(device);
    expect(text).toContain("IOMMU group 11");
    expect(error.problems[0]!.keyPath).toBe("passthrough[0]");
    expect(text).toMatch(/another slot|slot wired to the CPU/);
    expect(text).toContain("pcie_acs_override");
  });
});

describe("amd-ryzen-b550-rx6950xt-clean-rx550-chipset-group", () => {
  const name = "amd-ryzen-b550-rx6950xt-clean-rx550-chipset-group";

  it("RX 6950 XT: VGA and audio in two single-device groups; both groups are taken", async () => {
    const result = await plan(name, [{ address: "0000:08:00.0" }]);
    expect(addresses(result)).toEqual(["0000:08:00.0", "0000:08:00.1"]);
    expect(result.groups).toEqual([
      { id: 18, guest: ["0000:08:00.0"], bridges: [] },
      { id: 19, guest: ["0000:08:00.1"], bridges: [] },
    ]);
  });

  it("RX 550 (the boot GPU, in the chipset group): blocked naming USB, SATA and the RTL8125, and refused as host GPU", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:04:00.0" }]);
    expect(codes).toEqual(["E_VFIO_GROUP_BLOCKED", "E_VFIO_HOST_GPU"]);
    expect(text).toContain("0000:02:00.0 (USB controller");
    expect(text).toContain("0000:02:00.1 (SATA controller");
    expect(text).toContain("0000:05:00.0 (Ethernet controller");
    expect(text).toContain("boot GPU");
  });

  it("RX 550 with allow_host_gpu is still blocked by its group", async () => {
    const { codes, error } = await refusal(name, [{ address: "0000:04:00.0", allow_host_gpu: true }]);
    expect(codes).toEqual(["E_VFIO_GROUP_BLOCKED"]);
    expect(error.exitCode).toBe(3);
  });
});

describe("amd-ryzen-x570-3900x-gtx1080ti-gt710-clean (the GT 710 drives the host, as the README implies)", () => {
  const name = "amd-ryzen-x570-3900x-gtx1080ti-gt710-clean";
  const options = { bootVga: "0c:00.0" };

  it("GTX 1080 Ti: ready, group 30", async () => {
    const result = await plan(name, [{ address: "0000:0b:00.0" }], options);
    expect(addresses(result)).toEqual(["0000:0b:00.0", "0000:0b:00.1"]);
    expect(result.groups.map((group) => group.id)).toEqual([30]);
  });

  it("GT 710: refused as the host GPU; with allow_host_gpu it goes, with a warning", async () => {
    expect((await refusal(name, [{ address: "0000:0c:00.0" }], options)).codes).toEqual(["E_VFIO_HOST_GPU"]);
    const allowed = await plan(name, [{ address: "0000:0c:00.0", allow_host_gpu: true }], options);
    expect(addresses(allowed)).toEqual(["0000:0c:00.0", "0000:0c:00.1"]);
    expect(allowed.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_HOST_GPU", message: expect.stringMatching(/no display/) }));
  });
});

describe("amd-ryzen-x570-rx570-vfio-gt710-host", () => {
  const name = "amd-ryzen-x570-rx570-vfio-gt710-host";

  it("main snapshot: the RX 570 is already on vfio-pci; nothing to bind; vfio-pci counts as loaded", async () => {
    const result = await plan(name, [{ address: "0000:2d:00.0" }]);
    expect(addresses(result)).toEqual(["0000:2d:00.0", "0000:2d:00.1"]);
    expect(result.functions.map((fn) => fn.action)).toEqual(["already-bound", "already-bound"]);
    expect(result.functions.flatMap((fn) => [...fn.bind, ...fn.undo])).toEqual([]);
    expect(result.module).toEqual({ name: "vfio-pci", state: "loaded", load: null });
    expect(result.groups.map((group) => group.id)).toEqual([27]);
  });

  it("main snapshot: the GT 710 drives the host (nvidia): refused; allowed, it is unbound from nvidia and snd_hda_intel", async () => {
    expect((await refusal(name, [{ address: "0000:24:00.0" }])).codes).toEqual(["E_VFIO_HOST_GPU"]);
    const allowed = await plan(name, [{ address: "0000:24:00.0", allow_host_gpu: true }]);
    expect(allowed.functions.map((fn) => [fn.address, fn.currentDriver])).toEqual([
      ["0000:24:00.0", "nvidia"],
      ["0000:24:00.1", "snd_hda_intel"],
    ]);
    expect(allowed.groups.map((group) => group.id)).toEqual([23]);
    expect(allowed.bootTime.modprobeConf).toContain("softdep nvidia pre: vfio-pci");
  });

  it("later snapshot: roles swapped, the GT 710 is the vfio-pci one and the RX 570 the host's", async () => {
    const gt710 = await plan(name, [{ address: "0000:24:00.0" }], { variant: "later-1835f25" });
    expect(gt710.functions.map((fn) => fn.action)).toEqual(["already-bound", "already-bound"]);
    expect((await refusal(name, [{ address: "0000:2d:00.0" }], { variant: "later-1835f25" })).codes).toEqual(["E_VFIO_HOST_GPU"]);
  });
});

describe("amd-ryzen-zen1-r7-240-single-gpu", () => {
  const name = "amd-ryzen-zen1-r7-240-single-gpu";

  it("R7 240, the only GPU: refused as the host GPU", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:23:00.0" }]);
    expect(codes).toEqual(["E_VFIO_HOST_GPU"]);
    expect(text).toContain("0000:23:00.0");
    expect(text).toMatch(/no display/);
  });

  it("R7 240 with allow_host_gpu = true: single-GPU passthrough, with the warning", async () => {
    const result = await plan(name, [{ address: "0000:23:00.0", allow_host_gpu: true }]);
    expect(addresses(result)).toEqual(["0000:23:00.0", "0000:23:00.1"]);
    expect(result.groups.map((group) => group.id)).toEqual([13]);
    expect(warningCodes(result)).toContain("W_VFIO_HOST_GPU");
  });

  it("R7 240 with no boot_vga in the snapshot is still the host's only display", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:23:00.0" }], { bootVga: null });
    expect(codes).toEqual(["E_VFIO_HOST_GPU"]);
    expect(text).toContain("only display device");
  });
});

describe("intel-haswell-z97-two-r9-280x-shared-group", () => {
  const name = "intel-haswell-z97-two-r9-280x-shared-group";

  it("the second R9 280X alone: blocked, naming the other card (the host's display)", async () => {
    const { codes, text, error } = await refusal(name, [{ address: "0000:02:00.0" }]);
    expect(codes).toContain("E_VFIO_GROUP_BLOCKED");
    expect(text).toMatch(/IOMMU group 1 holds 0000:02:00.0, 0000:02:00.1 together with 0000:01:00.0 \(VGA compatible controller: [^)]*R9 280X\]\)/);
    expect(text).toContain("ask for 0000:01:00.0 too");
    expect(codes).toEqual(["E_VFIO_GROUP_BLOCKED"]);
    expect(error.exitCode).toBe(3);
  });

  it("the first R9 280X alone: refused as the boot GPU; the second card, which the host does not use, is no blocker", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:01:00.0" }]);
    expect(codes).toEqual(["E_VFIO_HOST_GPU"]);
    expect(text).toContain("boot GPU");
    const allowed = await plan(name, [{ address: "0000:01:00.0", allow_host_gpu: true }]);
    expect(allowed.functions.map((fn) => [fn.address, fn.why])).toEqual([
      ["0000:01:00.0", "requested"],
      ["0000:01:00.1", "gpu-function"],
      ["0000:02:00.0", "group-member"],
      ["0000:02:00.1", "group-member"],
    ]);
    expect(allowed.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_GROUP_MEMBERS", message: expect.stringContaining("0000:02:00.0") }));
  });

  it("identical ids match both cards: the request must name the address", async () => {
    const { codes, text, error } = await refusal(name, [{ ids: "1002:6798" }]);
    expect(codes).toEqual(["E_VFIO_IDS_AMBIGUOUS"]);
    expect(error.exitCode).toBe(2);
    expect(text).toContain('address = "0000:01:00.0"');
    expect(text).toContain('address = "0000:02:00.0"');
  });

  it("both cards: the group is whole, but the host keeps no GPU; with allow_host_gpu it goes, and boot-time ids are exact", async () => {
    expect((await refusal(name, [{ address: "0000:01:00.0" }, { address: "0000:02:00.0" }])).codes).toEqual(["E_VFIO_HOST_GPU", "E_VFIO_HOST_GPU"]);
    const both = await plan(name, [{ address: "0000:01:00.0", allow_host_gpu: true }, { address: "0000:02:00.0", allow_host_gpu: true }]);
    expect(addresses(both)).toEqual(["0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:02:00.1"]);
    expect(both.groups).toEqual([{ id: 1, guest: addresses(both), bridges: ["0000:00:01.0", "0000:00:01.2"] }]);
    expect(both.bootTime.ids).toEqual(["1002:6798", "1002:aaa0"]);
    expect(both.bootTime.ambiguous).toEqual([]);
  });
});

describe("amd-ryzen-zen1-gtx1060-gtx580-shared-group", () => {
  const name = "amd-ryzen-zen1-gtx1060-gtx580-shared-group";

  it("GTX 1060 (the boot GPU) alone: refused as the host GPU; the unused GTX 580 would go along, it does not block", async () => {
    const { codes } = await refusal(name, [{ address: "0000:23:00.0" }]);
    expect(codes).toEqual(["E_VFIO_HOST_GPU"]);
    const allowed = await plan(name, [{ address: "0000:23:00.0", allow_host_gpu: true }]);
    expect(addresses(allowed)).toEqual(["0000:23:00.0", "0000:23:00.1", "0000:24:00.0", "0000:24:00.1"]);
    expect(warningCodes(allowed)).toContain("W_VFIO_GROUP_MEMBERS");
  });

  it("GTX 580 alone: blocked by the GTX 1060, the host's boot GPU", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:24:00.0" }]);
    expect(codes).toContain("E_VFIO_GROUP_BLOCKED");
    expect(text).toMatch(/together with 0000:23:00\.0 \(VGA compatible controller: [^)]*GTX 1060/);
  });

  it("both: possible at group level, but the host is left with no GPU", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:23:00.0" }, { address: "0000:24:00.0" }]);
    expect(codes).toEqual(["E_VFIO_HOST_GPU", "E_VFIO_HOST_GPU"]);
    expect(text).toContain("none would be left");
  });
});

describe("amd-msi-b450m-mortar-rx580-raven-ridge-apu", () => {
  const name = "amd-msi-b450m-mortar-rx580-raven-ridge-apu";

  it("RX 580: ready alone in group 8, with a warning that it has no audio function", async () => {
    const result = await plan(name, [{ address: "0000:10:00.0" }]);
    expect(addresses(result)).toEqual(["0000:10:00.0"]);
    expect(result.groups.map((group) => group.id)).toEqual([8]);
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_NO_AUDIO", message: expect.stringContaining("0000:10:00.1 is absent") }));
  });

  it("Raven Ridge iGPU: its audio's group holds the APU's USB controllers; and it is the boot GPU", async () => {
    const { codes, text } = await refusal(name, [{ address: "0000:38:00.0" }]);
    expect(codes).toEqual(["E_VFIO_GROUP_BLOCKED", "E_VFIO_HOST_GPU"]);
    expect(text).toContain("IOMMU group 12");
    expect(text).toContain("0000:38:00.3 (USB controller");
    expect(text).toContain("0000:38:00.4 (USB controller");
  });
});

describe.each([
  ["laptop-msi-gf72-8re-i7-8750h-gtx1060m", "0000:00:02.0"],
  ["laptop-ivybridge-qm77-quadro-k2000m", "0000:00:02.0"],
])("%s", (caseName, igpu) => {
  it("the dGPU at 01:00.0: ready alone with the root port, warned that there is no audio function", async () => {
    const result = await plan(caseName, [{ address: "0000:01:00.0" }]);
    expect(addresses(result)).toEqual(["0000:01:00.0"]);
    expect(result.groups).toEqual([{ id: 1, guest: ["0000:01:00.0"], bridges: ["0000:00:01.0"] }]);
    expect(warningCodes(result)).toContain("W_VFIO_NO_AUDIO");
  });

  it(`the iGPU ${igpu} drives the panel: refused`, async () => {
    expect((await refusal(caseName, [{ address: igpu }])).codes).toEqual(["E_VFIO_HOST_GPU"]);
  });
});

describe("iommu-disabled-raptorlake-rtx4070-laptop-gpu", () => {
  it("RTX 4070 Laptop GPU: IOMMU off, exit 3, with the kernel parameter to add", async () => {
    const { error, codes } = await refusal("iommu-disabled-raptorlake-rtx4070-laptop-gpu", [{ address: "0000:01:00.0" }]);
    expect(codes).toEqual(["E_VFIO_IOMMU_OFF"]);
    expect(error.code).toBe("E_VFIO_IOMMU_OFF");
    expect(error.exitCode).toBe(3);
    expect(error.fix).toContain("intel_iommu=on");
  });
});
