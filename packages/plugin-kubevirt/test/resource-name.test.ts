import { describe, expect, it } from "vitest";
import { pciResourceName } from "../src/index.js";

describe("pciResourceName: <vendor domain>/<DEVICE_NAME> for permittedHostDevices and gpus[].deviceName", () => {
  it("gives KubeVirt's documented name for a Tesla T4 (10de:1eb8, TU104GL [Tesla T4])", () => {
    expect(pciResourceName("10de", "1eb8", "NVIDIA Corporation TU104GL [Tesla T4]")).toEqual({ resourceName: "nvidia.com/TU104GL_Tesla_T4", pciVendorSelector: "10DE:1EB8" });
  });

  it("takes the vendor's name off the description for AMD and Intel, and keeps digits and case", () => {
    expect(pciResourceName("1002", "73bf", "Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]").resourceName).toBe("amd.com/Navi_21_Radeon_RX_6800_6800_XT_6900_XT");
    expect(pciResourceName("8086", "3e92", "Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630]").resourceName).toBe("intel.com/CoffeeLake_S_GT2_UHD_Graphics_630");
  });

  it("falls back to VVVV_DDDD without a name, and to devices.kubevirt.io for another vendor", () => {
    expect(pciResourceName("10de", "1d01").resourceName).toBe("nvidia.com/10DE_1D01");
    expect(pciResourceName("10de", "1d01", "Some other text").resourceName).toBe("nvidia.com/10DE_1D01");
    expect(pciResourceName("1b36", "0010", "Red Hat, Inc. QEMU NVM Express Controller")).toEqual({ resourceName: "devices.kubevirt.io/1B36_0010", pciVendorSelector: "1B36:0010" });
  });

  it("keeps the name within a Kubernetes resource name's 63 characters, without a trailing underscore", () => {
    const { resourceName } = pciResourceName("10de", "2204", `NVIDIA Corporation ${"GA102 [GeForce RTX 3090] ".repeat(5)}`);
    const name = resourceName.split("/")[1]!;
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/);
  });
});
