/*
 * The resource name a KubeVirt cluster gives a PCI device in
 * `permittedHostDevices.pciHostDevices[].resourceName`, and a VM asks for in `gpus[].deviceName`
 * or `hostDevices[].deviceName`. It is the administrator's choice; vmforge writes the name
 * KubeVirt's documentation uses (`nvidia.com/TU104GL_Tesla_T4` for 10de:1eb8, "TU104GL [Tesla T4]"):
 *
 *   <vendor domain>/<DEVICE_NAME>
 *
 *   vendor domain  10de nvidia.com, 1002 amd.com, 8086 intel.com; any other vendor devices.kubevirt.io
 *   DEVICE_NAME    the device's pci.ids name (the host's description without the vendor's name),
 *                  every run of characters other than A-Z a-z 0-9 replaced by "_", no "_" at the
 *                  ends, at most 63 characters; without a known name: VVVV_DDDD (upper-case hex)
 */

interface Vendor {
  domain: string;
  /** How pci.ids names the vendor at the start of a device description, longest first. */
  names: readonly string[];
}

const VENDORS: Readonly<Record<string, Vendor>> = {
  "10de": { domain: "nvidia.com", names: ["NVIDIA Corporation"] },
  "1002": { domain: "amd.com", names: ["Advanced Micro Devices, Inc. [AMD/ATI]", "Advanced Micro Devices, Inc. [AMD]", "Advanced Micro Devices, Inc."] },
  "8086": { domain: "intel.com", names: ["Intel Corporation"] },
};

const GENERIC_DOMAIN = "devices.kubevirt.io";
/** The name part of a Kubernetes extended resource (a qualified name's name part). */
const MAX_NAME = 63;

export interface PciResource {
  /** `nvidia.com/GP108_GeForce_GT_1030`. */
  resourceName: string;
  /** `10DE:1D01`: permittedHostDevices' pciVendorSelector. */
  pciVendorSelector: string;
}

export function pciResourceName(vendorId: string, deviceId: string, description?: string): PciResource {
  const vendor = VENDORS[vendorId.toLowerCase()];
  const model = vendor && description ? modelName(description, vendor) : undefined;
  const hexName = `${vendorId}_${deviceId}`.toUpperCase();
  const name = model ? sanitize(model) : "";
  return {
    resourceName: `${vendor?.domain ?? GENERIC_DOMAIN}/${name === "" ? hexName : name}`,
    pciVendorSelector: `${vendorId}:${deviceId}`.toUpperCase(),
  };
}

function modelName(description: string, vendor: Vendor): string | undefined {
  const prefix = vendor.names.find((name) => description.startsWith(`${name} `));
  return prefix ? description.slice(prefix.length + 1) : undefined;
}

function sanitize(model: string): string {
  return model
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, MAX_NAME)
    .replace(/_+$/, "");
}
