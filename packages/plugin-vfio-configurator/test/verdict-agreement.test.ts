import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { VmforgeError } from "@vmforge/kernel";
import { buildHostReport, type GpuReport } from "@vmforge/plugin-env-check";
import { fixtureHostsDir } from "@vmforge/test-support";
import { fixtureHost, type FixtureHost } from "./support/fixture-host.js";
import { intelHostBridge, intelPlatform, intelRootPort, madeHost, teslaT4, type MadeDevice } from "./support/made-host.js";
import { codesOf, planFor, textOf } from "./support/plan-for.js";
import { requestWith } from "./support/request.js";

/*
 * `vmforge check` and a VFIO plan judge a host with one set of rules: asking for one GPU alone
 * is refused for its group exactly when env-check calls the GPU blocked, refused as the host's
 * GPU exactly when env-check gives the host-gpu reason, and otherwise planned with exactly the
 * group mates env-check says go along.
 */

const VERDICT_CODES = new Set(["E_VFIO_IOMMU_OFF", "E_VFIO_NO_GROUP", "E_VFIO_GROUP_BLOCKED", "E_VFIO_HOST_GPU"]);
const HOST_GPU_REASON = /is the boot GPU \(boot_vga=1|leaves the host without a screen/;

async function expectAgreement({ root, env }: FixtureHost): Promise<void> {
  const report = buildHostReport(env);
  for (const gpu of report.gpus) {
    let error: VmforgeError | undefined;
    let groupMembers: string[] = [];
    try {
      const { plan } = await planFor(root, env, requestWith([{ address: gpu.address }]));
      groupMembers = plan.functions.filter((fn) => fn.why === "group-member").map((fn) => fn.address);
    } catch (caught) {
      error = caught as VmforgeError;
    }
    const codes = error ? codesOf(error).filter((code) => VERDICT_CODES.has(code)) : [];
    const what = `${gpu.address} (${gpu.verdict}): ${codes.join(", ") || "planned"}`;
    if (gpu.verdict === "iommu-off") {
      expect(codes.some((code) => code === "E_VFIO_IOMMU_OFF" || code === "E_VFIO_NO_GROUP"), what).toBe(true);
      continue;
    }
    const needed = gpu.groupMates.filter((mate) => mate.role === "host-needed").map((mate) => mate.address);
    expect(codes.includes("E_VFIO_GROUP_BLOCKED"), what).toBe(gpu.verdict === "blocked");
    expect(needed.length > 0, what).toBe(gpu.verdict === "blocked");
    for (const address of needed) expect(textOf(error!), what).toContain(address);
    expect(codes.includes("E_VFIO_HOST_GPU"), what).toBe(hasHostGpuReason(gpu));
    if (error) {
      // Refused for a reason of the verdicts, not for something else.
      expect(codes.length, `${what}: ${textOf(error)}`).toBeGreaterThan(0);
    } else {
      expect(groupMembers, what).toEqual(gpu.groupMates.map((mate) => mate.address).sort());
      // No host here sets pcie_acs_override, so going along is what needs-group means.
      expect(groupMembers.length > 0, what).toBe(gpu.verdict === "needs-group");
    }
  }
}

const hasHostGpuReason = (gpu: GpuReport): boolean => gpu.reasons.some((reason) => HOST_GPU_REASON.test(reason));

describe("the planner agrees with env-check's verdict for every GPU asked for alone", () => {
  // Every case with PCI devices (the cpuinfo-only captures have none).
  const cases = readdirSync(fixtureHostsDir).filter((name) => existsSync(join(fixtureHostsDir, name, "iommu_groups.txt")));

  it.each(cases)("fixture host %s", async (name) => {
    await expectAgreement(await fixtureHost(name));
  });

  it.each(["intel-haswell-z97-two-r9-280x-shared-group", "amd-ryzen-zen1-gtx1060-gtx580-shared-group"])("fixture host %s with no boot GPU known", async (name) => {
    await expectAgreement(await fixtureHost(name, { bootVga: null }));
  });

  const nic = (driver?: string): MadeDevice => ({ address: "03:00.0", classCode: "0200", className: "Ethernet controller", ids: "8086:15b8", name: "Intel Corporation Ethernet Connection (2) I219-V", group: 1, ...(driver ? { driver } : {}) });
  const gt1030: MadeDevice = { address: "02:00.0", classCode: "0300", className: "VGA compatible controller", ids: "10de:1d01", name: "NVIDIA Corporation GP108 [GeForce GT 1030]", group: 1 };
  it.each([
    ["two unbound compute GPUs in one group", [...intelPlatform, teslaT4("01:00.0", 1), teslaT4("02:00.0", 1)], "00:02.0"],
    ["two compute GPUs on vfio-pci in one group", [...intelPlatform, teslaT4("01:00.0", 1, "vfio-pci"), teslaT4("02:00.0", 1, "vfio-pci")], "00:02.0"],
    ["a compute GPU the host drives (nvidia) beside an unbound one", [...intelPlatform, teslaT4("01:00.0", 1, "nvidia"), teslaT4("02:00.0", 1)], "00:02.0"],
    ["a compute GPU with a bound NIC in its group", [...intelPlatform, teslaT4("01:00.0", 1), nic("e1000e")], "00:02.0"],
    ["a compute GPU with a NIC on vfio-pci in its group", [...intelPlatform, teslaT4("01:00.0", 1), nic("vfio-pci")], "00:02.0"],
    ["a compute GPU beside the unbound boot VGA", [...intelPlatform, teslaT4("01:00.0", 1), gt1030], "02:00.0"],
    ["a compute GPU beside an unbound VGA card that is not the boot GPU", [...intelPlatform, teslaT4("01:00.0", 1), gt1030], "00:02.0"],
    ["a headless host with two unbound compute GPUs", [intelHostBridge, intelRootPort, teslaT4("01:00.0", 1), teslaT4("02:00.0", 1)], null],
  ] as const)("hand-made host: %s", async (_, devices, bootVga) => {
    await expectAgreement(await madeHost(devices, { bootVga }));
  });
});

describe("two compute GPUs the host does not use, in one group", () => {
  it("either alone takes the other along (W_VFIO_GROUP_MEMBERS), and both together plan cleanly", async () => {
    const host = await madeHost([...intelPlatform, teslaT4("01:00.0", 1), teslaT4("02:00.0", 1)], { bootVga: "00:02.0" });
    const { plan } = await planFor(host.root, host.env, requestWith([{ address: "0000:01:00.0" }]));
    expect(plan.functions.map((fn) => [fn.address, fn.why])).toEqual([
      ["0000:01:00.0", "requested"],
      ["0000:02:00.0", "group-member"],
    ]);
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_GROUP_MEMBERS", message: expect.stringContaining("0000:02:00.0") }));
    const both = await planFor(host.root, host.env, requestWith([{ address: "0000:01:00.0" }, { address: "0000:02:00.0" }]));
    expect(both.plan.functions.map((fn) => fn.why)).toEqual(["requested", "requested"]);
  });

  it("asking for a compute GPU warns of no missing HDMI/DP audio; a VGA card without one does", async () => {
    const host = await madeHost([...intelPlatform, teslaT4("01:00.0", 1), { address: "02:00.0", classCode: "0300", className: "VGA compatible controller", ids: "10de:1d01", name: "NVIDIA Corporation GP108 [GeForce GT 1030]", group: 2 }], { bootVga: "00:02.0" });
    const compute = await planFor(host.root, host.env, requestWith([{ address: "0000:01:00.0" }]));
    expect(compute.plan.warnings.map((warning) => warning.code)).not.toContain("W_VFIO_NO_AUDIO");
    const vga = await planFor(host.root, host.env, requestWith([{ address: "0000:02:00.0" }]));
    expect(vga.plan.warnings.map((warning) => warning.code)).toContain("W_VFIO_NO_AUDIO");
  });
});
