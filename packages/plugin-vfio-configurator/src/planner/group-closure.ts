import type { Problem } from "@vmforge/kernel";
import { isDisplay, isHostNeeded, type EnvironmentData, type PciDevice } from "@vmforge/plugin-env-check";
import { VfioCode } from "../error-codes.js";
import { describeDevice, isBridge } from "./device-roles.js";
import type { ResolvedRequest } from "./resolve-requests.js";

export type MemberReason = "requested" | "gpu-function" | "group-member";

export interface GuestMember {
  device: PciDevice;
  why: MemberReason;
  /** The request that brought it in (directly, as a GPU's function, or through its group). */
  request: ResolvedRequest;
}

export interface GroupClosure {
  /** Every endpoint that goes to the guest, by address. */
  members: GuestMember[];
  groups: Array<{ id: number; guest: string[]; bridges: string[] }>;
  problems: Problem[];
}

/**
 * Everything that must leave the host with the requested devices: a requested GPU's own
 * functions (audio, USB-C), then every endpoint of every IOMMU group they touch, until no new
 * group appears. Bridges stay. An endpoint the host needs that nobody asked for blocks the plan.
 */
export function closeOverGroups(requests: readonly ResolvedRequest[], env: EnvironmentData): GroupClosure {
  const byAddress = new Map(env.pci.devices.map((device) => [device.address, device]));
  const groupMembers = new Map(env.iommu.groups.map((group) => [group.id, group.devices]));
  const members = new Map<string, GuestMember>();
  const problems: Problem[] = [];
  const add = (device: PciDevice, why: MemberReason, request: ResolvedRequest): void => {
    if (!members.has(device.address)) members.set(device.address, { device, why, request });
  };

  for (const request of requests) add(request.device, "requested", request);
  for (const request of requests) {
    const gpu = env.gpus.find((candidate) => candidate.address === request.device.address);
    for (const address of gpu?.functions ?? []) {
      const device = byAddress.get(address);
      if (device) add(device, "gpu-function", request);
    }
  }

  const visited = new Set<number>();
  const noGroup = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const member of [...members.values()]) {
      const group = member.device.iommuGroup;
      if (group === null) {
        noGroup.add(member.device.address);
        continue;
      }
      if (visited.has(group)) continue;
      visited.add(group);
      changed = true;
      for (const address of groupMembers.get(group) ?? []) {
        const device = byAddress.get(address);
        if (device && !isBridge(device)) add(device, "group-member", member.request);
      }
    }
  }

  for (const address of noGroup) {
    problems.push({
      code: VfioCode.noGroup,
      message: `${describeDevice(byAddress.get(address)!)} belongs to no IOMMU group, so vfio-pci cannot isolate it.`,
      fix: "The IOMMU does not cover this device (often a device behind a conventional PCI bridge, or a firmware that hides it); use a device in another slot.",
    });
  }

  const groups = [...visited].sort((a, b) => a - b).map((id) => {
    const addresses = groupMembers.get(id) ?? [];
    return {
      id,
      guest: addresses.filter((address) => members.has(address)),
      bridges: addresses.filter((address) => {
        const device = byAddress.get(address);
        return device !== undefined && isBridge(device);
      }),
    };
  });

  for (const group of groups) {
    const blockers = group.guest.map((address) => members.get(address)!).filter((member) => member.why === "group-member" && isHostNeeded(member.device));
    if (blockers.length === 0) continue;
    const requested = [...new Set(group.guest.map((address) => members.get(address)!).filter((member) => member.why !== "group-member").map((member) => member.device.address))];
    const otherGpus = blockers.filter((member) => isDisplay(member.device));
    const asking = members.get(requested[0]!)!.request;
    problems.push({
      code: VfioCode.groupBlocked,
      keyPath: `passthrough[${asking.index}]`,
      message: `IOMMU group ${group.id} holds ${requested.join(", ")} together with ${blockers.map((member) => describeDevice(member.device)).join(", ")}, which the host needs; a group goes to the guest whole or not at all.`,
      fix: wayOut(otherGpus.map((member) => member.device)),
    });
  }

  const ordered = [...members.values()].sort((a, b) => a.device.address.localeCompare(b.device.address));
  return { members: ordered, groups, problems };
}

function wayOut(otherGpus: readonly PciDevice[]): string {
  const ways = [
    "move the card to a slot wired to the CPU whose group holds only it (see `vmforge check`)",
    ...(otherGpus.length ? [`ask for ${otherGpus.map((gpu) => gpu.address).join(" and ")} too, if the host can do without that GPU`] : []),
    "use a board with ACS on its ports or a different card",
    "or, knowing it gives no real isolation, split the group with `pcie_acs_override=downstream,multifunction` (a patched kernel)",
  ];
  return `Ways out: ${ways.join("; ")}.`;
}
