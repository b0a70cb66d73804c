import type { Check, EnvironmentData, GpuInfo, GpuReport, GpuVerdict, GroupMate, PciDevice } from "../contract.js";
import { GPU_VERDICTS } from "./verdict-order.js";
import { isBridge } from "../host/gpu-functions.js";
import { isDisplay, isHostNeeded, isReleased } from "./device-roles.js";
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

/** Is this GPU the one the host shows its console on? */
function isHostDisplay(gpu: GpuInfo, displays: readonly PciDevice[]): "boot-vga" | "only-display" | undefined {
  if (isReleased(gpu)) return undefined;
  if (gpu.bootVga === true) return "boot-vga";
  const hostDisplays = displays.filter((device) => !isReleased(device));
  return hostDisplays.length === 1 && hostDisplays[0]!.address === gpu.address ? "only-display" : undefined;
}

export function gpuVerdict(gpu: GpuInfo, env: EnvironmentData): GpuReport {
  const byAddress = new Map(env.pci.devices.map((device) => [device.address, device]));
  const findings: Finding[] = [];
  const groupMates: GroupMate[] = [];
  const own = new Set(gpu.functions);
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
        else movable.push(device);
        groupMates.push({ address, name: device.name, role: hostNeeded ? "host-needed" : "movable" });
      }
      if (needed.length) {
        const otherGpus = needed.filter(isDisplay);
        findings.push({
          verdict: "blocked",
          reason: `group ${id} also holds ${needed.map(describe).join(", ")}${otherGpus.length ? ` (another GPU: both cards would have to leave the host)` : ""}, which the host needs; the group cannot be split without pcie_acs_override (no real isolation) — move the card to a CPU-attached slot or pass the whole group with care`,
        });
      }
      if (movable.length) {
        findings.push({
          verdict: "needs-group",
          reason: `group ${id} also holds ${movable.map(describe).join(", ")}: ${movable.length === 1 ? "it goes" : "they go"} to the guest with the GPU (bind ${movable.length === 1 ? "it" : "them"} to vfio-pci too)`,
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

  const displays = env.pci.devices.filter(isDisplay);
  const hostDisplay = isHostDisplay(gpu, displays);
  if (hostDisplay) {
    findings.push({
      verdict: "host-gpu",
      reason:
        hostDisplay === "boot-vga"
          ? `${gpu.address} is the boot GPU (boot_vga=1, driver ${gpu.driver ?? "none"}): passing it through blacks out the host console`
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
  if (!gpu.hasAudio) {
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

/** Checks derived from the GPUs: a GPU without its audio function. */
export function gpuChecks(env: EnvironmentData): Check[] {
  return env.gpus
    .filter((gpu) => !gpu.hasAudio)
    .map((gpu) => ({
      id: `gpu.audio_function.${gpu.address}`,
      status: "warn" as const,
      message: `${gpu.address} ${gpu.name} shows no HDMI/DP audio function (laptops and some listings hide it)`,
      fix: "Nothing to pair: pass the GPU alone; the guest will have no HDMI audio from it. On laptops, a hidden audio function can sometimes be exposed by setting bit 25 of config register 0x488 (NVIDIA) before binding.",
    }));
}
