import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureHost, reread } from "./support/fixture-host.js";
import { codesOf, planError, planFor, textOf } from "./support/plan-for.js";
import { requestWith } from "./support/request.js";

const Z370 = "intel-z370-i5-9400-gt1030-igpu-clean";
const GT1030 = [{ address: "0000:01:00.0" }];
const LAPTOP = "laptop-msi-gf72-8re-i7-8750h-gtx1060m";

async function put(root: string, hostPath: string, content: string): Promise<void> {
  await mkdir(join(root, hostPath, ".."), { recursive: true });
  await writeFile(join(root, hostPath), content);
}

const device = (address: string) => `/sys/devices/pci0000:00/${address}`;

describe("vfio-pci module", () => {
  it("missing: the kernel's modules.dep and modules.builtin do not list it, nothing is bound to it: exit 3", async () => {
    const { root, env } = await fixtureHost(Z370);
    await put(root, `/lib/modules/${env.kernel.release}/modules.dep`, "kernel/drivers/gpu/drm/i915/i915.ko: kernel/drivers/video/fbdev/core/fb_sys_fops.ko\n");
    await put(root, `/lib/modules/${env.kernel.release}/modules.builtin`, "kernel/drivers/pci/pcie/portdrv.ko\n");
    const error = await planError(root, env, requestWith(GT1030));
    expect(error.code).toBe("E_VFIO_MODULE_MISSING");
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain("6.8.0-49-generic");
    expect(error.fix).toContain("CONFIG_VFIO_PCI");
  });

  it("available but not loaded: the plan loads it first (modprobe vfio-pci) and says so", async () => {
    const { root, env } = await fixtureHost(Z370);
    await put(root, `/lib/modules/${env.kernel.release}/modules.dep`, "kernel/drivers/vfio/pci/vfio-pci.ko.zst: kernel/drivers/vfio/pci/vfio-pci-core.ko.zst kernel/drivers/vfio/vfio.ko.zst\n");
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.module).toEqual({ name: "vfio-pci", state: "available", load: ["modprobe", "vfio-pci"] });
    expect(plan.warnings.map((warning) => warning.code)).toContain("W_VFIO_MODULE_NOT_LOADED");
  });

  it("loaded (/sys/module/vfio_pci): nothing to load, no warning", async () => {
    const { root } = await fixtureHost(Z370);
    await mkdir(join(root, "sys/module/vfio_pci"), { recursive: true });
    const env = await reread(root);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.module).toEqual({ name: "vfio-pci", state: "loaded", load: null });
    expect(plan.warnings.map((warning) => warning.code)).not.toContain("W_VFIO_MODULE_UNKNOWN");
  });

  it("built in (modules.builtin lists it): counts as loaded", async () => {
    const { root, env } = await fixtureHost(Z370);
    await put(root, `/lib/modules/${env.kernel.release}/modules.dep`, "");
    await put(root, `/lib/modules/${env.kernel.release}/modules.builtin`, "kernel/drivers/vfio/pci/vfio-pci.ko\n");
    expect((await planFor(root, env, requestWith(GT1030))).plan.module.state).toBe("loaded");
  });
});

describe("reset methods", () => {
  it("a single-function GPU alone on its bus with no reset method, on a kernel that lists them: refused", async () => {
    const { root } = await fixtureHost(LAPTOP);
    await put(root, `${device("0000:00:02.0")}/reset_method`, "flr bus\n");
    const env = await reread(root);
    const error = await planError(root, env, requestWith([{ address: "0000:01:00.0" }]));
    expect(codesOf(error)).toEqual(["E_VFIO_NO_RESET"]);
    expect(error.exitCode).toBe(3);
    expect(textOf(error)).toContain("0000:01:00.0");
  });

  it("the same GPU with a reset attribute (an older kernel that does not list methods) is fine", async () => {
    const { root } = await fixtureHost(LAPTOP);
    await put(root, `${device("0000:00:02.0")}/reset_method`, "flr\n");
    await put(root, `${device("0000:01:00.0")}/reset`, "");
    const env = await reread(root);
    const { plan } = await planFor(root, env, requestWith([{ address: "0000:01:00.0" }]));
    expect(plan.warnings.map((warning) => warning.code)).not.toContain("W_VFIO_RESET_UNKNOWN");
  });

  it("GPU and audio without their own reset, but the whole bus goes: vfio-pci resets the bus, with a warning", async () => {
    const { root } = await fixtureHost(Z370);
    await put(root, `${device("0000:00:02.0")}/reset_method`, "flr\n");
    const env = await reread(root);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_BUS_RESET_ONLY", message: expect.stringContaining("0000:01:00.0, 0000:01:00.1") }));
  });

  it("listed methods are carried into the plan, and no reset warning is given", async () => {
    const { root } = await fixtureHost(Z370);
    await put(root, `${device("0000:01:00.0")}/reset_method`, "bus\n");
    await put(root, `${device("0000:01:00.1")}/reset_method`, "flr\n");
    const env = await reread(root);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.functions.map((fn) => fn.resetMethods)).toEqual([["bus"], ["flr"]]);
    expect(plan.warnings.map((warning) => warning.code).filter((code) => code.includes("RESET"))).toEqual([]);
  });

  it("a snapshot that says nothing about resets: a warning, not a refusal", async () => {
    const { root, env } = await fixtureHost(Z370);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.warnings.map((warning) => warning.code)).toContain("W_VFIO_RESET_UNKNOWN");
  });
});

describe("warnings", () => {
  it("pcie_acs_override on the command line: the groups prove nothing", async () => {
    const { root } = await fixtureHost(Z370, { cmdline: "BOOT_IMAGE=/boot/vmlinuz-6.8.0-49-generic ro quiet pcie_acs_override=downstream,multifunction" });
    const env = await reread(root);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_ACS_OVERRIDE", message: expect.stringContaining("pcie_acs_override=downstream,multifunction") }));
  });

  it("functions on different NUMA nodes", async () => {
    const { root } = await fixtureHost(Z370);
    await put(root, `${device("0000:01:00.0")}/numa_node`, "0\n");
    await put(root, `${device("0000:01:00.1")}/numa_node`, "1\n");
    const env = await reread(root);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_NUMA_MISMATCH", message: expect.stringContaining("node 0: 0000:01:00.0; node 1: 0000:01:00.1") }));
  });

  it("no NUMA warning when the kernel reports none (-1)", async () => {
    const { root, env } = await fixtureHost(Z370);
    const { plan } = await planFor(root, env, requestWith(GT1030));
    expect(plan.warnings.map((warning) => warning.code)).not.toContain("W_VFIO_NUMA_MISMATCH");
  });

  it("asking for the chipset USB controllers of group 23: the instrumentation function the host can spare goes along, said in a warning", async () => {
    const { root, env } = await fixtureHost("amd-ryzen-x570-3900x-gtx1080ti-gt710-clean", { bootVga: "0c:00.0" });
    const { plan, hostDevices } = await planFor(root, env, requestWith([{ address: "0000:08:00.1" }, { address: "0000:08:00.3" }]));
    expect(plan.functions.map((fn) => [fn.address, fn.why])).toEqual([
      ["0000:08:00.0", "group-member"],
      ["0000:08:00.1", "requested"],
      ["0000:08:00.3", "requested"],
    ]);
    expect(plan.groups).toEqual([{ id: 23, guest: ["0000:08:00.0", "0000:08:00.1", "0000:08:00.3"], bridges: ["0000:03:08.0"] }]);
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "W_VFIO_GROUP_MEMBERS", message: expect.stringContaining("0000:08:00.0") }));
    expect(hostDevices.map((device) => [device.address, device.multifunction, device.primaryGpu])).toEqual([
      ["0000:08:00.0", true, false],
      ["0000:08:00.1", false, false],
      ["0000:08:00.3", false, false],
    ]);
  });

  it("asking for one USB controller of group 23 alone: blocked by the other, which the host needs", async () => {
    const { root, env } = await fixtureHost("amd-ryzen-x570-3900x-gtx1080ti-gt710-clean", { bootVga: "0c:00.0" });
    const error = await planError(root, env, requestWith([{ address: "0000:08:00.1" }]));
    expect(error.code).toBe("E_VFIO_GROUP_BLOCKED");
    expect(textOf(error)).toContain("0000:08:00.3 (USB controller");
  });
});
