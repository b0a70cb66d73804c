import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureHostsDir } from "@vmforge/test-support";
import { checkCase, removeSnapshots, type CheckedHost } from "./check-host.js";

afterAll(removeSnapshots);

const tested = new Set<string>();
function fixture(name: string, body: () => Promise<void>): void {
  tested.add(name);
  it(name, body);
}

/** Every reason of a GPU, joined, to look for the devices it names. */
const reasonsOf = (host: CheckedHost, address: string): string => host.gpu(address).reasons.join("\n");

describe("every fixture host gives the verdict its SOURCE.md states", () => {
  fixture("intel-z370-i5-9400-gt1030-igpu-clean", async () => {
    const host = await checkCase("intel-z370-i5-9400-gt1030-igpu-clean");
    // No intel_iommu=on on the command line, yet groups exist: accepted.
    expect(host.env.kernel.cmdline.intelIommu).toBeNull();
    expect(host.env.iommu.enabled).toBe(true);
    const gt1030 = host.gpu("0000:01:00.0");
    expect(gt1030.verdict).toBe("ready");
    expect(gt1030.functions).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    expect(gt1030.group).toBe(2);
    expect(gt1030.driver).toBeNull();
    expect(reasonsOf(host, "0000:01:00.0")).toContain("0000:00:01.0");
    expect(gt1030.name).toContain("GeForce GT 1030");
    const igpu = host.gpu("0000:00:02.0");
    expect(igpu.verdict).toBe("host-gpu");
    expect(igpu.driver).toBe("i915");
    // lscpu-e.txt: six cores, no SMT siblings, one L3, one node.
    expect(host.env.topology.cpus.map((cpu) => cpu.threadSiblings)).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(host.env.topology.nodes).toEqual([{ id: 0, cpus: [0, 1, 2, 3, 4, 5] }]);
  });

  fixture("amd-ryzen7-2700x-two-ccx-topology", async () => {
    const host = await checkCase("amd-ryzen7-2700x-two-ccx-topology");
    const cpus = host.env.topology.cpus;
    expect(cpus).toHaveLength(16);
    expect(cpus.map((cpu) => cpu.threadSiblings.join(","))).toEqual([...Array.from({ length: 8 }, (_, core) => `${core},${core + 8}`), ...Array.from({ length: 8 }, (_, core) => `${core},${core + 8}`)]);
    expect(new Set(cpus.map((cpu) => cpu.l3!.join(",")))).toEqual(new Set(["0,1,2,3,8,9,10,11", "4,5,6,7,12,13,14,15"]));
  });

  fixture("intel-xeon-gold-6126-two-socket-numa", async () => {
    const host = await checkCase("intel-xeon-gold-6126-two-socket-numa");
    expect(host.env.topology.nodes.map((node) => [node.id, node.cpus[0], node.cpus.at(-1)])).toEqual([
      [0, 0, 11],
      [1, 12, 23],
    ]);
    expect(new Set(host.env.topology.cpus.map((cpu) => cpu.package))).toEqual(new Set([0, 1]));
  });

  fixture("intel-asrock-z170-gtx960-igpu-clean", async () => {
    const host = await checkCase("intel-asrock-z170-gtx960-igpu-clean");
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
    expect(host.gpu("0000:01:00.0").functions).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    expect(host.gpu("0000:00:02.0").verdict).toBe("host-gpu");
  });

  fixture("intel-haswell-b85-gtx970-igpu-clean", async () => {
    const host = await checkCase("intel-haswell-b85-gtx970-igpu-clean");
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
    expect(host.gpu("0000:01:00.0").functions).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    expect(host.gpu("0000:00:02.0").verdict).toBe("host-gpu");
    // The iGPU's HD audio sits on another slot (00:03.0): not one of its functions.
    expect(host.gpu("0000:00:02.0").functions).toEqual(["0000:00:02.0"]);
  });

  fixture("amd-ryzen-x570-rx570-vfio-gt710-host", async () => {
    const host = await checkCase("amd-ryzen-x570-rx570-vfio-gt710-host");
    const rx570 = host.gpu("0000:2d:00.0");
    expect(rx570.verdict).toBe("ready");
    expect(rx570.group).toBe(27);
    expect(rx570.driver).toBe("vfio-pci");
    const gt710 = host.gpu("0000:24:00.0");
    expect(gt710.group).toBe(23);
    expect(gt710.verdict).toBe("host-gpu");
    expect(gt710.reasons.some((reason) => reason.includes("holds only its functions"))).toBe(true);
    // `iommu=pti`: a warning with the spelling fix, never a failure.
    const typo = host.check("iommu.cmdline")!;
    expect(typo.status).toBe("warn");
    expect(typo.message).toContain("iommu=pti");
    expect(typo.fix).toContain("iommu=pt");
    expect(host.env.kernel.cmdline.vfioPciIds).toEqual(["1002:67df", "1002:aaf0"]);
    expect(host.check("vfio.pci_ids")!.status).toBe("pass");
    expect(host.report.checks.filter((check) => check.id.startsWith("iommu.")).every((check) => check.status !== "fail")).toBe(true);
    expect(host.hostUnfit).toEqual([]);
  });

  it("amd-ryzen-x570-rx570-vfio-gt710-host, later snapshot: the roles are swapped", async () => {
    const host = await checkCase("amd-ryzen-x570-rx570-vfio-gt710-host", { variant: "later-1835f25" });
    expect(host.env.kernel.cmdline.iommu).toBe("pt");
    expect(host.check("iommu.cmdline")).toBeUndefined();
    expect(host.gpu("0000:24:00.0").driver).toBe("vfio-pci");
    expect(host.gpu("0000:24:00.0").verdict).toBe("ready");
    expect(host.gpu("0000:2d:00.0").driver).toBe("amdgpu");
    expect(host.gpu("0000:2d:00.0").verdict).toBe("host-gpu");
  });

  fixture("amd-ryzen-b550-rx6950xt-clean-rx550-chipset-group", async () => {
    const host = await checkCase("amd-ryzen-b550-rx6950xt-clean-rx550-chipset-group", { bootVga: "04:00.0" });
    const rx6950 = host.gpu("0000:08:00.0");
    expect(rx6950.verdict).toBe("ready");
    expect(rx6950.functions).toEqual(["0000:08:00.0", "0000:08:00.1"]);
    expect(rx6950.groups).toEqual([18, 19]);
    expect(reasonsOf(host, "0000:08:00.0")).toMatch(/span groups 18 and 19/);
    const rx550 = host.gpu("0000:04:00.0");
    expect(rx550.verdict).toBe("blocked");
    for (const address of ["0000:02:00.0", "0000:02:00.1", "0000:05:00.0"]) expect(reasonsOf(host, "0000:04:00.0")).toContain(address);
    expect(rx550.reasons.some((reason) => reason.includes("boot GPU"))).toBe(true);
    expect(rx550.groupMates.filter((mate) => mate.role === "host-needed").map((mate) => mate.address)).toEqual(["0000:02:00.0", "0000:02:00.1", "0000:05:00.0"]);
  });

  fixture("amd-ryzen-x570-3900x-gtx1080ti-gt710-clean", async () => {
    // The README makes the GT 710 the host's GPU ("headless" guest).
    const host = await checkCase("amd-ryzen-x570-3900x-gtx1080ti-gt710-clean", { bootVga: "0c:00.0" });
    expect(host.gpu("0000:0b:00.0").verdict).toBe("ready");
    expect(host.gpu("0000:0b:00.0").group).toBe(30);
    const gt710 = host.gpu("0000:0c:00.0");
    expect(gt710.verdict).toBe("host-gpu");
    expect(gt710.group).toBe(31);
    expect(gt710.reasons.some((reason) => reason.includes("holds only its functions"))).toBe(true);
  });

  fixture("amd-ryzen-zen1-r7-240-single-gpu", async () => {
    const host = await checkCase("amd-ryzen-zen1-r7-240-single-gpu", { bootVga: null });
    const r7 = host.gpu("0000:23:00.0");
    expect(r7.verdict).toBe("host-gpu");
    expect(r7.group).toBe(13);
    expect(reasonsOf(host, "0000:23:00.0")).toMatch(/only display device/);
  });

  fixture("intel-haswell-z97-two-r9-280x-shared-group", async () => {
    // The capture has no lspci: no driver is known; the default boot GPU is 01:00.0.
    const host = await checkCase("intel-haswell-z97-two-r9-280x-shared-group");
    // Neither card can go alone ("FAIL" in SOURCE.md), each for its own reason.
    // The second card's group holds the host's display: blocked.
    expect(host.gpu("0000:02:00.0").verdict).toBe("blocked");
    expect(reasonsOf(host, "0000:02:00.0")).toMatch(/0000:01:00\.0 \(.*which the host needs/);
    expect(reasonsOf(host, "0000:02:00.0")).toMatch(/another GPU the host uses: 0000:01:00\.0 is the boot GPU/);
    // The boot card itself is the host's GPU; the second card, which the host does not use, would go along.
    const first = host.gpu("0000:01:00.0");
    expect(first.verdict).toBe("host-gpu");
    expect(reasonsOf(host, "0000:01:00.0")).toMatch(/0000:02:00\.0 is a GPU the host does not use .*pass both cards to the same VM/);
    expect(first.groupMates.find((mate) => mate.address === "0000:02:00.0")?.role).toBe("movable");
    for (const [gpu, other] of [["0000:01:00.0", "0000:02:00.0"], ["0000:02:00.0", "0000:01:00.0"]] as const) {
      expect(reasonsOf(host, gpu)).toContain(other);
      // Identical cards: binding by id would grab both.
      expect(reasonsOf(host, gpu)).toMatch(new RegExp(`${other.replace(/\./g, "\\.")} has the same ids \\(1002:6798\\).*driver_override`));
    }
  });

  fixture("amd-ryzen-zen1-gtx1060-gtx580-shared-group", async () => {
    // No lspci in the capture; the default boot GPU is the GTX 1060 (23:00.0).
    const host = await checkCase("amd-ryzen-zen1-gtx1060-gtx580-shared-group");
    expect(host.gpu("0000:23:00.0").verdict).toBe("host-gpu");
    expect(reasonsOf(host, "0000:23:00.0")).toMatch(/0000:24:00\.0 is a GPU the host does not use/);
    expect(host.gpu("0000:24:00.0").verdict).toBe("blocked");
    expect(reasonsOf(host, "0000:24:00.0")).toMatch(/another GPU the host uses: 0000:23:00\.0 is the boot GPU/);
  });

  it("amd-ryzen-zen1-gtx1060-gtx580-shared-group, no boot GPU known: both cards leave together or not at all", async () => {
    const host = await checkCase("amd-ryzen-zen1-gtx1060-gtx580-shared-group", { bootVga: null });
    for (const [gpu, other] of [["0000:23:00.0", "0000:24:00.0"], ["0000:24:00.0", "0000:23:00.0"]] as const) {
      // Neither is host-needed, but together they are every display the host has.
      expect(host.gpu(gpu).verdict).toBe("host-gpu");
      expect(reasonsOf(host, gpu)).toMatch(new RegExp(`${other.replace(/\./g, "\\.")} is a GPU the host does not use`));
      expect(reasonsOf(host, gpu)).toMatch(/leaves the host without a screen/);
    }
  });

  fixture("amd-msi-b450m-mortar-max-hd7450-chipset-gtx960-clean", async () => {
    const host = await checkCase("amd-msi-b450m-mortar-max-hd7450-chipset-gtx960-clean");
    expect(host.gpu("0000:26:00.0").verdict).toBe("ready");
    expect(host.gpu("0000:26:00.0").functions).toEqual(["0000:26:00.0", "0000:26:00.1"]);
    const hd7450 = host.gpu("0000:25:00.0");
    expect(hd7450.verdict).toBe("blocked");
    // The truncated audio line still yields its function.
    expect(hd7450.functions).toEqual(["0000:25:00.0", "0000:25:00.1"]);
    for (const address of ["0000:03:00.0", "0000:03:00.1", "0000:22:00.0"]) expect(reasonsOf(host, "0000:25:00.0")).toContain(address);
  });

  fixture("amd-msi-b450m-mortar-rx580-raven-ridge-apu", async () => {
    const host = await checkCase("amd-msi-b450m-mortar-rx580-raven-ridge-apu");
    const rx580 = host.gpu("0000:10:00.0");
    expect(rx580.verdict).toBe("ready");
    expect(rx580.reasons.some((reason) => reason.includes("no HDMI/DP audio"))).toBe(true);
    expect(host.check("gpu.audio_function.0000:10:00.0")?.status).toBe("warn");
    const apu = host.gpu("0000:38:00.0");
    // The APU's own audio belongs to it; the PSP, USB and HD audio of the platform do not.
    expect(apu.functions).toEqual(["0000:38:00.0", "0000:38:00.1"]);
    expect(apu.groups).toEqual([11, 12]);
    expect(apu.verdict).toBe("blocked");
    for (const address of ["0000:38:00.3", "0000:38:00.4"]) expect(reasonsOf(host, "0000:38:00.0")).toContain(address);
    expect(apu.reasons.some((reason) => reason.includes("boot GPU"))).toBe(true);
  });

  fixture("laptop-msi-gf72-8re-i7-8750h-gtx1060m", async () => {
    const host = await checkCase("laptop-msi-gf72-8re-i7-8750h-gtx1060m");
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
    expect(host.gpu("0000:01:00.0").functions).toEqual(["0000:01:00.0"]);
    expect(host.check("gpu.audio_function.0000:01:00.0")?.status).toBe("warn");
    expect(host.gpu("0000:00:02.0").verdict).toBe("host-gpu");
  });

  fixture("laptop-ivybridge-qm77-quadro-k2000m", async () => {
    const host = await checkCase("laptop-ivybridge-qm77-quadro-k2000m");
    expect(host.gpu("0000:01:00.0").verdict).toBe("ready");
    expect(host.check("gpu.audio_function.0000:01:00.0")?.status).toBe("warn");
    expect(host.gpu("0000:00:02.0").verdict).toBe("host-gpu");
  });

  fixture("iommu-disabled-raptorlake-rtx4070-laptop-gpu", async () => {
    const host = await checkCase("iommu-disabled-raptorlake-rtx4070-laptop-gpu");
    expect(host.env.iommu.enabled).toBe(false);
    expect(host.env.iommu.groups).toEqual([]);
    const rtx = host.gpu("0000:01:00.0");
    expect(rtx.verdict).toBe("iommu-off");
    expect(rtx.group).toBeNull();
    expect(rtx.functions).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    const iommu = host.check("iommu.enabled")!;
    expect(iommu.status).toBe("warn");
    expect(iommu.fix).toMatch(/VT-d/);
    expect(iommu.fix).toContain("intel_iommu=on");
    // KVM itself is fine on this host: the IOMMU does not make it unfit.
    expect(host.hostUnfit).toEqual([]);
  });

  fixture("cpuinfo-intel-pentium-g640-baremetal-vmx", async () => {
    const host = await checkCase("cpuinfo-intel-pentium-g640-baremetal-vmx");
    expect(host.env.cpu).toMatchObject({ vendor: "intel", logicalCpus: 2, sockets: 1, coresPerSocket: 2, threadsPerCore: 1 });
    expect(host.env.cpu.virtualization).toMatchObject({ vmx: true, ept: true, hypervisor: false });
    expect(host.check("cpu.virtualization")!.status).toBe("pass");
    expect(host.check("cpu.second_level_paging")!.status).toBe("pass");
    expect(host.check("kvm.module")!.message).toContain("kvm_intel");
    expect(host.report.kvmUsable).toBe(true);
    expect(host.hostUnfit).toEqual([]);
  });

  fixture("cpuinfo-amd-ryzen7-2700x-baremetal-svm", async () => {
    const host = await checkCase("cpuinfo-amd-ryzen7-2700x-baremetal-svm");
    expect(host.env.cpu).toMatchObject({ vendor: "amd", logicalCpus: 16, coresPerSocket: 8, threadsPerCore: 2, model: "AMD Ryzen 7 2700X Eight-Core Processor" });
    expect(host.env.cpu.virtualization).toMatchObject({ svm: true, npt: true, hypervisor: false, avx2: true });
    expect(host.check("cpu.virtualization")!.status).toBe("pass");
    expect(host.check("kvm.module")!.message).toContain("kvm_amd");
    expect(host.report.kvmUsable).toBe(true);
  });

  fixture("cpuinfo-vm-guest-intel-g640-hypervisor-no-vmx", async () => {
    const host = await checkCase("cpuinfo-vm-guest-intel-g640-hypervisor-no-vmx");
    expect(host.env.cpu.virtualization).toMatchObject({ vmx: false, svm: false, hypervisor: true });
    const cpu = host.check("cpu.virtualization")!;
    expect(cpu.status).toBe("fail");
    expect(cpu.message).toMatch(/inside a virtual machine/);
    expect(cpu.fix).toMatch(/nested/);
    expect(host.check("kvm.device")!.status).toBe("fail");
    expect(host.report.kvmUsable).toBe(false);
    expect(host.hostUnfit.length).toBeGreaterThan(0);
    expect(host.text).toMatch(/^FAIL {2}cpu\.virtualization: /m);
  });

  it("covers every case folder in fixtures/hosts", () => {
    const cases = readdirSync(fixtureHostsDir).filter((name) => statSync(join(fixtureHostsDir, name)).isDirectory());
    expect(cases.filter((name) => !tested.has(name))).toEqual([]);
  });
});
