import { slotOf } from "@vmforge/plugin-env-check";
import type { HostDevice, UserVmRequest } from "@vmforge/plugin-qemu-setup";
import type { VfioPlan } from "../contract.js";
import { isVgaCompatible } from "./device-roles.js";
import type { GuestMember } from "./group-closure.js";

export const PRODUCER = "@vmforge/plugin-vfio-configurator";

/**
 * One host device per function. Function 0 is multifunction when its siblings go too, so the
 * guest sees one card; the first requested VGA card becomes the guest's primary display when
 * the VM has no emulated one.
 */
export function hostDevicesOf(plan: VfioPlan, members: readonly GuestMember[], request: UserVmRequest): HostDevice[] {
  const addresses = new Set(plan.functions.map((fn) => fn.address));
  const romOf = new Map(plan.requests.map((entry) => [entry.resolved, entry.romFile]));
  const firstGpu = members.find((member) => member.why === "requested" && isVgaCompatible(member.device));
  const primary = request.display.type === "none" ? firstGpu?.device.address : undefined;
  return members.map(({ device }) => {
    const siblings = [...addresses].filter((address) => address !== device.address && slotOf(address) === slotOf(device.address));
    return {
      kind: "pci",
      address: device.address,
      multifunction: device.address.endsWith(".0") && siblings.length > 0,
      romFile: romOf.get(device.address) ?? null,
      primaryGpu: device.address === primary,
      vendorId: device.vendorId,
      deviceId: device.deviceId,
      ...(device.iommuGroup === null ? {} : { iommuGroup: device.iommuGroup }),
      description: device.name,
      producer: PRODUCER,
    };
  });
}
