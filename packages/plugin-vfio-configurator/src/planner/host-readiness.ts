import type { Problem } from "@vmforge/kernel";
import { expectsAudioFunction, hostDisplayRole, hostScreens, isHostNeeded, type EnvironmentData } from "@vmforge/plugin-env-check";
import type { PlanWarning, VfioPlan } from "../contract.js";
import { VfioCode, VfioWarning } from "../error-codes.js";
import { busOf, describeDevice, isBridge } from "./device-roles.js";
import type { GuestMember } from "./group-closure.js";
import type { HostExtras } from "./host-extras.js";

export interface Findings {
  problems: Problem[];
  warnings: PlanWarning[];
}

const VFIO_PCI_OBJECT = /(^|\/)vfio[-_]pci\.ko(\.[a-z]+)?(:|\s|$)/m;

/** Is vfio-pci there, or can modprobe load it? */
export function moduleState(env: EnvironmentData, extras: HostExtras): { state: VfioPlan["module"]["state"]; problem?: Problem; warning?: PlanWarning } {
  const inUse = env.pci.devices.some((device) => device.driver === "vfio-pci");
  if (env.modules.relevant.includes("vfio_pci") || inUse || (extras.modulesBuiltin !== undefined && VFIO_PCI_OBJECT.test(extras.modulesBuiltin))) return { state: "loaded" };
  if (extras.modulesDep !== undefined && VFIO_PCI_OBJECT.test(extras.modulesDep)) {
    return {
      state: "available",
      warning: { code: VfioWarning.moduleNotLoaded, message: "vfio-pci is not loaded yet; apply --bind-vfio loads it first (modprobe vfio-pci).", fix: "To load it at every boot: `echo vfio-pci | sudo tee /etc/modules-load.d/vfio-pci.conf`." },
    };
  }
  if (extras.modulesDep !== undefined) {
    return {
      state: "unknown",
      problem: {
        code: VfioCode.moduleMissing,
        message: `The running kernel (${env.kernel.release ?? "unknown release"}) has no vfio-pci module: it is neither loaded nor listed in modules.dep or modules.builtin.`,
        fix: "Install a kernel built with CONFIG_VFIO_PCI (every major distribution's stock kernel has it), boot it, and run the plan again.",
      },
    };
  }
  return {
    state: "unknown",
    warning: { code: VfioWarning.moduleUnknown, message: "Could not tell whether vfio-pci is available (it is not loaded and /lib/modules cannot be read); apply --bind-vfio tries `modprobe vfio-pci` first.", fix: "Check with `modinfo vfio-pci`." },
  };
}

/** The IOMMU must be on; the fix is the kernel parameter (or the firmware setting) to add. */
export function iommuProblem(env: EnvironmentData, fix: string): Problem | undefined {
  if (env.iommu.enabled) return undefined;
  return { code: VfioCode.iommuOff, message: `The IOMMU is off (${env.iommu.reason}): no device can be isolated for passthrough.`, fix };
}

/**
 * The host's boot GPU, or a GPU whose departure leaves the host without any display, goes only
 * with `allow_host_gpu = true`. The rule is env-check's (`hostDisplayRole`), so a GPU `vmforge
 * check` calls host-gpu is the one refused here.
 */
export function hostGpuFindings(members: readonly GuestMember[], env: EnvironmentData): Findings & { hostGpus: string[] } {
  const problems: Problem[] = [];
  const warnings: PlanWarning[] = [];
  const hostGpus: string[] = [];
  // A group mate the host needs blocks the plan on its own (group-closure); it does not count as leaving.
  const leaving = new Set(members.filter((member) => member.why !== "group-member" || !isHostNeeded(member.device)).map((member) => member.device.address));
  const screens = hostScreens(env.pci.devices);
  for (const member of members) {
    const device = member.device;
    if (member.why === "group-member") continue;
    const why = hostDisplayRole(device, env.pci.devices, leaving);
    if (!why) continue;
    const what =
      why === "boot-vga"
        ? `${describeDevice(device)} is the host's boot GPU (boot_vga=1, driver ${device.driver ?? "none"})`
        : `${describeDevice(device)} is ${screens.length === 1 ? "the host's only display device" : "one of the host's display devices and none would be left"}`;
    const consequence = "the host will have no display: the console and the desktop go dark while the VM runs, and the display manager, the virtual consoles and the EFI/VESA framebuffer must let go of the card before vfio-pci can take it";
    if (member.request.request.allow_host_gpu) {
      hostGpus.push(device.address);
      warnings.push({ code: VfioWarning.hostGpuAllowed, message: `${what}; allow_host_gpu = true, so it goes: ${consequence}.`, fix: "Keep SSH access to the host; stop the display manager before apply --bind-vfio." });
    } else {
      problems.push({
        code: VfioCode.hostGpu,
        keyPath: `passthrough[${member.request.index}]`,
        message: `${what}: passing it through means ${consequence}.`,
        fix: "Give the host another GPU (an iGPU or a second card) and make it the boot GPU in the firmware, or accept single-GPU passthrough with `allow_host_gpu = true` in this [[passthrough]] table.",
      });
    }
  }
  return { problems, warnings, hostGpus };
}

/**
 * Each function needs a way to be reset between guest boots. A function with no reset of its
 * own is still fine when every function on its bus goes to the guest: vfio-pci then resets the
 * whole bus.
 */
export function resetFindings(members: readonly GuestMember[], env: EnvironmentData, extras: HostExtras): Findings {
  const problems: Problem[] = [];
  const warnings: PlanWarning[] = [];
  const kernelListsMethods = env.pci.devices.some((device) => device.resetMethods !== null);
  const leaving = new Set(members.map((member) => member.device.address));
  const unknown: string[] = [];
  const busOnly: string[] = [];
  for (const { device } of members) {
    if ((device.resetMethods?.length ?? 0) > 0 || extras.resettable.has(device.address)) continue;
    if (!kernelListsMethods) {
      unknown.push(device.address);
      continue;
    }
    const onBus = env.pci.devices.filter((other) => busOf(other.address) === busOf(device.address) && !isBridge(other));
    if (onBus.length > 1 && onBus.every((other) => leaving.has(other.address))) {
      busOnly.push(device.address);
      continue;
    }
    problems.push({
      code: VfioCode.noReset,
      message: `${describeDevice(device)} has no reset method (no reset_method, no reset attribute): after the guest shuts down or reboots the device keeps its state and usually hangs the next start.`,
      fix: "Use a card that supports a function-level or bus reset, or one alone in its slot; some AMD cards need the vendor-reset module (`modprobe vendor-reset`) which adds a device-specific method.",
    });
  }
  if (unknown.length) {
    warnings.push({ code: VfioWarning.resetUnknown, message: `The kernel does not say how ${unknown.join(", ")} can be reset (no reset_method attribute: a kernel older than 5.15, or a snapshot without it).`, fix: "On kernels 5.15 and later check `cat /sys/bus/pci/devices/ADDR/reset_method`." });
  }
  if (busOnly.length) {
    warnings.push({ code: VfioWarning.busResetOnly, message: `${busOnly.join(", ")} have no reset of their own; vfio-pci resets them with a bus reset, which works because every function on their bus goes to the guest.` });
  }
  return { problems, warnings };
}

export function acsWarning(env: EnvironmentData): PlanWarning | undefined {
  if (!env.iommu.acsOverride) return undefined;
  return {
    code: VfioWarning.acsOverride,
    message: `pcie_acs_override=${env.kernel.cmdline.pcieAcsOverride ?? ""} is on: the IOMMU groups are split by a kernel patch and prove no isolation; the guest may reach other devices by peer-to-peer DMA.`,
    fix: "Accept the risk knowingly, or remove pcie_acs_override and use a slot whose group is clean.",
  };
}

export function audioWarnings(members: readonly GuestMember[], env: EnvironmentData): PlanWarning[] {
  return members
    .filter((member) => member.why === "requested")
    .flatMap((member) => {
      const gpu = env.gpus.find((candidate) => candidate.address === member.device.address);
      if (!gpu || gpu.hasAudio || !expectsAudioFunction(member.device)) return [];
      return [{ code: VfioWarning.noAudio, message: `${describeDevice(member.device)} shows no HDMI/DP audio function (${gpu.address.slice(0, -1)}1 is absent): the guest gets the GPU without its sound.`, fix: "Nothing to pair; laptops and some listings hide the audio function. Give the guest another sound device if it needs one." }];
    });
}

/** Devices on different NUMA nodes cannot all be local to the guest's memory. */
export function numaWarning(members: readonly GuestMember[]): PlanWarning | undefined {
  const nodes = new Map<number, string[]>();
  for (const { device } of members) {
    if (device.numaNode === null || device.numaNode < 0) continue;
    nodes.set(device.numaNode, [...(nodes.get(device.numaNode) ?? []), device.address]);
  }
  if (nodes.size < 2) return undefined;
  const spread = [...nodes].map(([node, addresses]) => `node ${node}: ${addresses.join(", ")}`).join("; ");
  return {
    code: VfioWarning.numaMismatch,
    message: `The passthrough devices sit on different NUMA nodes (${spread}): the guest's memory can be local to only one of them, and DMA to the other crosses the interconnect.`,
    fix: "Put the cards in slots of the same CPU socket/die, and pin the guest's vCPUs and memory to that node.",
  };
}

/** Group mates that go along without being asked for: worth saying, not a problem. */
export function groupMemberWarning(members: readonly GuestMember[]): PlanWarning | undefined {
  const extra = members.filter((member) => member.why === "group-member");
  if (extra.length === 0) return undefined;
  return {
    code: VfioWarning.groupMembers,
    message: `${extra.map((member) => describeDevice(member.device)).join(", ")} share${extra.length === 1 ? "s" : ""} an IOMMU group with what you asked for, so ${extra.length === 1 ? "it goes" : "they go"} to the guest too.`,
  };
}
