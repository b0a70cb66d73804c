import { describe, expect, it } from "vitest";
import type { PlanFunction } from "../src/contract.js";
import { journalFor } from "../src/apply/undo-journal.js";
import { bootTimeBinding, moduleOfDriver } from "../src/planner/boot-time.js";
import { normalizeAddress, resolveRequests } from "../src/planner/resolve-requests.js";
import { fixtureHost } from "./support/fixture-host.js";
import { codesOf, planError, textOf } from "./support/plan-for.js";
import { requestWith } from "./support/request.js";

describe("resolving [[passthrough]] entries", () => {
  it("short and upper-case addresses are the full lower-case form", () => {
    expect(normalizeAddress("01:00.0")).toBe("0000:01:00.0");
    expect(normalizeAddress("0000:0B:00.1")).toBe("0000:0b:00.1");
  });

  it("a short address in the request finds the device", async () => {
    const { env } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const { resolved, problems } = resolveRequests([{ address: "01:00.0", allow_host_gpu: false }], env);
    expect(problems).toEqual([]);
    expect(resolved.map((entry) => entry.device.address)).toEqual(["0000:01:00.0"]);
  });

  it("ids that match nothing, and an unknown address, are both reported at once with the GPUs there are", async () => {
    const { root, env } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const error = await planError(root, env, requestWith([{ ids: "10de:2484" }, { address: "0000:0a:00.0" }]));
    expect(error.code).toBe("E_VFIO_PLAN_BLOCKED");
    expect(error.exitCode).toBe(2);
    expect(codesOf(error)).toEqual(["E_VFIO_DEVICE_NOT_FOUND", "E_VFIO_DEVICE_NOT_FOUND"]);
    expect(error.problems.map((problem) => problem.keyPath)).toEqual(["passthrough[0].ids", "passthrough[1].address"]);
    expect(textOf(error)).toContain("0000:01:00.0 [10de:1d01]");
  });

  it("a PCI bridge cannot be passed; the error points at the device behind it", async () => {
    const { root, env } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const error = await planError(root, env, requestWith([{ address: "0000:00:01.0" }]));
    expect(error.code).toBe("E_VFIO_BRIDGE_REQUESTED");
    expect(error.fix).toContain('"0000:01:00.0"');
  });
});

describe("the boot-time alternative", () => {
  it("one of two identical R9 280X: ids would take the other card too, so the plan says to bind by address", async () => {
    const { env } = await fixtureHost("intel-haswell-z97-two-r9-280x-shared-group");
    const functions = ["0000:02:00.0", "0000:02:00.1"].map((address) => {
      const device = env.pci.devices.find((candidate) => candidate.address === address)!;
      return { address, vendorId: device.vendorId, deviceId: device.deviceId, currentDriver: "radeon" } as PlanFunction;
    });
    const boot = bootTimeBinding(functions, env, "twin");
    expect(boot.kernelParameter).toBe("vfio-pci.ids=1002:6798,1002:aaa0");
    expect(boot.ambiguous).toEqual([
      { ids: "1002:6798", alsoMatches: ["0000:01:00.0"] },
      { ids: "1002:aaa0", alsoMatches: ["0000:01:00.1"] },
    ]);
    expect(boot.modprobeConf).toBe("# vmforge: vfio-pci claims the passthrough devices of twin at boot\noptions vfio-pci ids=1002:6798,1002:aaa0\nsoftdep radeon pre: vfio-pci\n");
    expect(boot.steps.join("\n")).toContain("echo vfio-pci > /sys/bus/pci/devices/0000:02:00.0/driver_override");
  });

  it("softdep takes module names, not driver names", () => {
    expect(moduleOfDriver("xhci_hcd")).toBe("xhci_pci");
    expect(moduleOfDriver("snd_hda_intel")).toBe("snd_hda_intel");
    expect(moduleOfDriver("ehci-pci")).toBe("ehci_pci");
  });
});

describe("the undo journal", () => {
  const fn = (address: string, driver: string | null, action: PlanFunction["action"] = "bind") => ({ address, currentDriver: driver, currentDriverOverride: "", action }) as PlanFunction;

  it("undoes in reverse order: vfio-pci lets go, driver_override cleared, the original driver binds", () => {
    const journal = journalFor("vm", "/", [fn("0000:01:00.0", "nvidia"), fn("0000:01:00.1", null)], undefined);
    expect(journal.undo.map((step) => [step.path, step.value])).toEqual([
      ["/sys/bus/pci/drivers/vfio-pci/unbind", "0000:01:00.1"],
      ["/sys/bus/pci/devices/0000:01:00.1/driver_override", "\n"],
      ["/sys/bus/pci/drivers/vfio-pci/unbind", "0000:01:00.0"],
      ["/sys/bus/pci/devices/0000:01:00.0/driver_override", "\n"],
      ["/sys/bus/pci/drivers/nvidia/bind", "0000:01:00.0"],
    ]);
  });

  it("functions already on vfio-pci before the plan are not in it", () => {
    expect(journalFor("vm", "/", [fn("0000:2d:00.0", "vfio-pci", "already-bound")], undefined).functions).toEqual([]);
  });

  it("a journal restored or from another root is not merged", () => {
    const earlier = journalFor("vm", "/other", [fn("0000:01:00.0", "nvidia")], undefined);
    expect(journalFor("vm", "/", [fn("0000:01:00.1", "snd_hda_intel")], earlier).functions.map((entry) => entry.address)).toEqual(["0000:01:00.1"]);
    const restored = { ...journalFor("vm", "/", [fn("0000:01:00.0", "nvidia")], undefined), restored: true };
    expect(journalFor("vm", "/", [fn("0000:01:00.1", "snd_hda_intel")], restored).functions.map((entry) => entry.address)).toEqual(["0000:01:00.1"]);
  });
});
