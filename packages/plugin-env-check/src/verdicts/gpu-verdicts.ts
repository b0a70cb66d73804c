import type { Check, EnvironmentData, GpuInfo, GpuReport, GpuVerdict, GroupMate, PciDevice } from "../contract.js";
import { GPU_VERDICTS } from "./verdict-order.js";
import { expectsAudioFunction, hostDisplayRole, hostScreens, isBridge, isDisplay, isHostNeeded, isReleased } from "./device-roles.js";
import { iommuFix } from "./iommu-checks.js";

/** A group member missing from /sys/bus/pci/devices: unknown, so it goes with the group. */
function unlistedDevice(address: string): PciDevice {
  return { address, vendorId: "ffff", deviceId: "ffff", subsystemVendorId: null, subsystemDeviceId: null, classCode: "ff0000", className: null, vendorName: null, deviceName: null, name: "a device not listed under /sys/bus/pci/devices", driver: null, iommuGroup: null, bootVga: null, resetMethods: null, numaNode: null };
}

const describe = (device: PciDevice): string => `${device.address} (${device.className ?? "device"}: ${device.name})`;

interface Finding {
  verdict: GpuVerdict;
  reason: string;
}

/** Why a group mate that is a GPU is no host device: it has no host driver and is not the boot VGA. */
const unusedGpu = (device: PciDevice): string => `${device.address} is a GPU the host does not use (${isReleased(device) ? `on ${device.driver}` : "no driver bound"}, not the boot GPU)`;

export function gpuVerdict(gpu: GpuInfo, env: EnvironmentData): GpuReport {
  const byAddress = new Map(env.pci.devices.map((device) => [device.address, device]));
  const findings: Finding[] = [];
  const groupMates: GroupMate[] = [];
  const own = new Set(gpu.functions);
  // What goes to the guest with this GPU: its functions and the group mates the host can spare.
  const leaving = new Set(gpu.functions);
  const gpuDevice = byAddress.get(gpu.address);
  const group = gpuDevice?.iommuGroup ?? null;

  if (!env.iommu.enabled) {
    findings.push({ verdict: "iommu-off", reason: `IOMMU is off (${env.iommu.reason}), so ${gpu.address} cannot be isolated for passthrough; fix: ${iommuFix(env)}` });
  } else {
    const missing = gpu.functions.filter((address) => byAddress.get(address)?.iommuGroup === null);
    if (missing.length) findings.push({ verdict: "iommu-off", reason: `${missing.join(", ")} belong to no IOMMU group` });
    const bridges: string[] = [];
    for (const id of gpu.groups) {
      const members = env.iommu.groups.find((candidate) => candidate.id === id)?.devices ?? [];
      const needed: PciDevice[] = [];
      const movable: PciDevice[] = [];
      for (const address of members) {
        if (own.has(address)) continue;
        const device = byAddress.get(address) ?? unlistedDevice(address);
        if (isBridge(device)) {
          bridges.push(address);
          continue;
        }
        const hostNeeded = isHostNeeded(device);
        if (hostNeeded) needed.push(device);
        else {
          movable.push(device);
          leaving.add(address);
        }
        groupMates.push({ address, name: device.name, role: hostNeeded ? "host-needed" : "movable" });
      }
      if (needed.length) {
        const otherGpus = needed.filter(isDisplay);
        findings.push({
          verdict: "blocked",
          reason: `group ${id} also holds ${needed.map(describe).join(", ")}${otherGpus.length ? ` (another GPU the host uses: ${otherGpus.map((other) => `${other.address} ${other.bootVga === true ? "is the boot GPU" : `is driven by ${other.driver}`}`).join(", ")})` : ""}, which the host needs; the group cannot be split without pcie_acs_override (no real isolation) — move the card to a CPU-attached slot or pass the whole group with care`,
        });
      }
      if (movable.length) {
        const spareGpus = movable.filter(isDisplay);
        findings.push({
          verdict: "needs-group",
          reason: `group ${id} also holds ${movable.map(describe).join(", ")}: ${movable.length === 1 ? "it goes" : "they go"} to the guest with the GPU (bind ${movable.length === 1 ? "it" : "them"} to vfio-pci too)${spareGpus.length ? `; ${spareGpus.map(unusedGpu).join("; ")}: pass both cards to the same VM` : ""}`,
        });
      }
    }
    if (gpu.groups.length > 1) {
      findings.push({ verdict: "ready", reason: `its functions span groups ${gpu.groups.join(" and ")}: pass all of them (${gpu.functions.join(", ")})` });
    }
    if (env.iommu.acsOverride) {
      findings.push({ verdict: "synthetic-isolation", reason: `pcie_acs_override=${env.kernel.cmdline.pcieAcsOverride} is on: group${gpu.groups.length > 1 ? "s" : ""} ${gpu.groups.join(", ")} ${gpu.groups.length > 1 ? "are" : "is"} split by a kernel patch and prove${gpu.groups.length > 1 ? "" : "s"} no isolation` });
    }
    if (!findings.some((finding) => finding.verdict !== "ready")) {
      findings.push({
        verdict: "ready",
        reason: `group${gpu.groups.length > 1 ? "s" : ""} ${gpu.groups.join(", ")} ${gpu.groups.length > 1 ? "hold" : "holds"} only its functions (${gpu.functions.join(", ")})${bridges.length ? ` and bridge${bridges.length > 1 ? "s" : ""} ${bridges.join(", ")}` : ""}`,
      });
    }
  }

  const hostDisplay = gpuDevice ? hostDisplayRole(gpuDevice, env.pci.devices, leaving) : undefined;
  if (hostDisplay === "boot-vga") {
    findings.push({ verdict: "host-gpu", reason: `${gpu.address} is the boot GPU (boot_vga=1, driver ${gpu.driver ?? "none"}): passing it through blacks out the host console` });
  } else if (hostDisplay === "last-display") {
    const others = hostScreens(env.pci.devices).filter((device) => device.address !== gpu.address);
    findings.push({
      verdict: "host-gpu",
      reason: others.length
        ? `${gpu.address} and ${others.map((device) => device.address).join(", ")} are the host's only display devices, and ${others.length === 1 ? "the other goes" : "the others go"} with it (same IOMMU group): passing it through leaves the host without a screen`
        : `${gpu.address} is the host's only display device: passing it through leaves the host without a screen (single-GPU passthrough needs the console and display manager released first)`,
    });
  }
  if (!hostDisplay && gpu.bootVga === true) {
    findings.push({ verdict: "ready", reason: `${gpu.address} is the firmware's boot GPU (boot_vga=1) but already on ${gpu.driver}: the firmware draws its POST screen there; choose another primary display in the firmware setup if the host needs it` });
  }
  const twins = env.gpus.filter((other) => other.address !== gpu.address && other.vendorId === gpu.vendorId && other.deviceId === gpu.deviceId);
  if (twins.length) {
    findings.push({
      verdict: "ready",
      reason: `${twins.map((twin) => twin.address).join(", ")} ${twins.length === 1 ? "has" : "have"} the same ids (${gpu.vendorId}:${gpu.deviceId}): vfio-pci.ids would take ${twins.length === 1 ? "both cards" : "all of them"}; bind ${gpu.address} by address (driver_override) instead`,
    });
  }
  if (!gpu.hasAudio && gpuDevice && expectsAudioFunction(gpuDevice)) {
    findings.push({ verdict: "ready", reason: `no HDMI/DP audio function next to ${gpu.address} (none at ${gpu.address.slice(0, -1)}1): the guest gets the GPU without its sound` });
  }

  const rank = (verdict: GpuVerdict): number => GPU_VERDICTS.indexOf(verdict);
  const ordered = [...findings].sort((a, b) => rank(a.verdict) - rank(b.verdict));
  return {
    address: gpu.address,
    name: gpu.name,
    driver: gpu.driver,
    group,
    groups: gpu.groups,
    functions: gpu.functions,
    verdict: ordered[0]?.verdict ?? "ready",
    reasons: ordered.map((finding) => finding.reason),
    groupMates,
  };
}

export function gpuVerdicts(env: EnvironmentData): GpuReport[] {
  return env.gpus.map((gpu) => gpuVerdict(gpu, env));
}

/** Checks derived from the GPUs: a VGA card without its audio function (3D and other display controllers have none to miss). */
export function gpuChecks(env: EnvironmentData): Check[] {
  const byAddress = new Map(env.pci.devices.map((device) => [device.address, device]));
  return env.gpus
    .filter((gpu) => {
      const device = byAddress.get(gpu.address);
      return !gpu.hasAudio && device !== undefined && expectsAudioFunction(device);
    })
    .map((gpu) => ({
      id: `gpu.audio_function.${gpu.address}`,
      status: "warn" as const,
      message: `${gpu.address} ${gpu.name} shows no HDMI/DP audio function (laptops and some listings hide it)`,
      fix: "Nothing to pair: pass the GPU alone; the guest will have no HDMI audio from it. On laptops, a hidden audio function can sometimes be exposed by setting bit 25 of config register 0x488 (NVIDIA) before binding.",
    }));
}
