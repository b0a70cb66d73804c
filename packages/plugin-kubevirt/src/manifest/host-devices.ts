import type { HostDevice, UserVmRequest, VmDefinition } from "@vmforge/plugin-qemu-setup";
import type { Findings } from "./findings.js";
import { pciResourceName } from "./resource-name.js";

export interface HostDeviceParts {
  gpus: Record<string, unknown>[];
  hostDevices: Record<string, unknown>[];
}

/** A display device: the one the passthrough plugin made the guest's primary display, or a GPU by its pci.ids name. */
const GPU_NAME = /\b(VGA|3D controller|Display controller|GeForce|Quadro|Tesla|RTX|Radeon|FirePro|Instinct)\b/;

function isGpu(device: HostDevice): boolean {
  return device.primaryGpu === true || GPU_NAME.test(device.description ?? "");
}

/** The [[passthrough]] entry that asked for a device (by address or vendor:device), for messages. */
function requestIndex(request: UserVmRequest, device: HostDevice): number | undefined {
  const ids = device.vendorId && device.deviceId ? `${device.vendorId}:${device.deviceId}` : undefined;
  const index = request.passthrough.findIndex((entry) => entry.address === device.address || (ids !== undefined && entry.ids === ids));
  return index >= 0 ? index : undefined;
}

/**
 * PCI functions as `gpus` (display devices) and `hostDevices` (the rest), each by the resource
 * name of its vendor:device; USB host devices and the VFIO rules of this host are warnings.
 */
export function hostDeviceParts(definition: VmDefinition, request: UserVmRequest, findings: Findings): HostDeviceParts {
  const parts: HostDeviceParts = { gpus: [], hostDevices: [] };
  for (const device of definition.hostDevices) {
    const asked = requestIndex(request, device);
    if (!device.vendorId || !device.deviceId) {
      findings.warn(asked !== undefined ? ["passthrough", asked] : ["passthrough"], `${device.address}: its vendor:device is unknown, so it has no KubeVirt resource name; it is left out`, "Give the host's snapshot or run on the host so the IDs are known.");
      continue;
    }
    const { resourceName, pciVendorSelector } = pciResourceName(device.vendorId, device.deviceId, device.description);
    const gpu = isGpu(device);
    const entry = { name: `${gpu ? "gpu" : "hostdev"}${gpu ? parts.gpus.length : parts.hostDevices.length}`, deviceName: resourceName };
    (gpu ? parts.gpus : parts.hostDevices).push(entry);
    findings.note(`${device.address} (${device.description ?? pciVendorSelector}) is ${resourceName}: the KubeVirt CR must permit it, spec.configuration.permittedHostDevices.pciHostDevices: [{ pciVendorSelector: "${pciVendorSelector}", resourceName: "${resourceName}" }], and the node must bind it to vfio-pci.`);
    if (device.romFile !== null && asked !== undefined && request.passthrough[asked]?.rom_file !== undefined) {
      findings.warn(["passthrough", asked, "rom_file"], `a ROM file of this host (${device.romFile}) cannot be given to a KubeVirt host device; the device's own ROM is used`);
    }
  }

  // The whole-IOMMU-group rule: vmforge hands every function of a group to the guest; KubeVirt allocates devices one resource at a time.
  const groups = new Map<number, HostDevice[]>();
  for (const device of definition.hostDevices) if (device.iommuGroup !== undefined) groups.set(device.iommuGroup, [...(groups.get(device.iommuGroup) ?? []), device]);
  for (const [group, devices] of groups) {
    if (devices.length < 2) continue;
    const asked = devices.map((device) => requestIndex(request, device)).find((index) => index !== undefined);
    findings.warn(
      asked !== undefined ? ["passthrough", asked, request.passthrough[asked]?.address !== undefined ? "address" : "ids"] : ["passthrough"],
      `IOMMU group ${group} (${devices.map((device) => device.address).join(", ")}) goes to the guest whole on this host; KubeVirt cannot express that rule: each function is a separate resource in the YAML, and the node's device plugin must hand out the whole group`,
      "Permit every function of the group in permittedHostDevices and make sure the nodes bind them all to vfio-pci.",
    );
  }

  request.usb.devices.forEach((device, index) => {
    findings.warn(["usb", "devices", index], `a USB device of this host (${device.vendor}:${device.product}) is left out: KubeVirt passes USB devices by a resource name the cluster's admin defines (permittedHostDevices.usb)`, "Define the resource in the KubeVirt CR and add it to hostDevices by hand.");
  });
  return parts;
}
