import type { Problem } from "@vmforge/kernel";
import { isDisplay, type EnvironmentData, type PciDevice } from "@vmforge/plugin-env-check";
import type { RequestPassthrough } from "@vmforge/plugin-qemu-setup";
import { VfioCode } from "../error-codes.js";
import { describeDevice, idsOf, isBridge } from "./device-roles.js";

export interface ResolvedRequest {
  index: number;
  request: RequestPassthrough;
  device: PciDevice;
}

export interface Resolution {
  resolved: ResolvedRequest[];
  problems: Problem[];
}

/** `01:00.0` or `0000:01:00.0`, any case, to the full lower-case form. */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  return /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(lower) ? `0000:${lower}` : lower;
}

/**
 * Finds the device each [[passthrough]] entry names. An address names one device; ids name
 * every device with those ids, so identical cards must be told apart by address.
 */
export function resolveRequests(requests: readonly RequestPassthrough[], env: EnvironmentData): Resolution {
  const byAddress = new Map(env.pci.devices.map((device) => [device.address, device]));
  const resolved: ResolvedRequest[] = [];
  const problems: Problem[] = [];
  requests.forEach((request, index) => {
    const keyPath = `passthrough[${index}]`;
    if (request.address !== undefined) {
      const address = normalizeAddress(request.address);
      const device = byAddress.get(address);
      if (!device) {
        problems.push({
          code: VfioCode.deviceNotFound,
          keyPath: `${keyPath}.address`,
          message: `No PCI device at ${address} on this host.`,
          received: request.address,
          fix: suggestions(env, address),
        });
        return;
      }
      resolved.push({ index, request, device });
      return;
    }
    if (request.ids !== undefined) {
      const ids = request.ids.toLowerCase();
      const matching = env.pci.devices.filter((device) => idsOf(device) === ids);
      if (matching.length === 0) {
        problems.push({ code: VfioCode.deviceNotFound, keyPath: `${keyPath}.ids`, message: `No PCI device with ids ${ids} on this host.`, received: request.ids, fix: suggestions(env) });
        return;
      }
      if (matching.length > 1) {
        problems.push({
          code: VfioCode.idsAmbiguous,
          keyPath: `${keyPath}.ids`,
          message: `ids ${ids} match ${matching.length} devices: ${matching.map(describeDevice).join(", ")}.`,
          received: request.ids,
          fix: `Identical cards are told apart by address: replace ids with one of ${matching.map((device) => `address = "${device.address}"`).join(" or ")}.`,
        });
        return;
      }
      resolved.push({ index, request, device: matching[0]! });
    }
  });
  for (const { index, device } of resolved) {
    if (isBridge(device)) {
      problems.push({
        code: VfioCode.bridgeRequested,
        keyPath: `passthrough[${index}]`,
        message: `${describeDevice(device)} is a PCI bridge: bridges stay with the host; only the devices behind them can be passed through.`,
        fix: `Ask for the device behind it instead${devicesBehind(env, device)}.`,
      });
    }
  }
  return { resolved: resolved.filter(({ device }) => !isBridge(device)), problems };
}

function suggestions(env: EnvironmentData, address?: string): string {
  const sameSlot = address ? env.pci.devices.filter((device) => device.address.slice(5) === address.slice(5)) : [];
  if (sameSlot.length) return `Did you mean ${sameSlot.map((device) => `"${device.address}" (${device.name})`).join(" or ")}?`;
  const gpus = env.pci.devices.filter(isDisplay);
  const list = gpus.length ? `GPUs here: ${gpus.map((device) => `${device.address} [${idsOf(device)}] ${device.name}`).join("; ")}` : "this host shows no GPU";
  return `Run \`vmforge check\` or \`lspci -nn\` to see the devices (${list}).`;
}

function devicesBehind(env: EnvironmentData, bridge: PciDevice): string {
  const group = bridge.iommuGroup;
  const mates = env.pci.devices.filter((device) => device.iommuGroup === group && group !== null && !isBridge(device));
  return mates.length ? `, e.g. ${mates.map((device) => `"${device.address}" (${device.name})`).join(", ")}` : "";
}
