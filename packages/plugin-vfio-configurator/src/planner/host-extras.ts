import type { HostRoot } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";

/**
 * Host facts the plan needs that environment_data does not carry: whether the kernel could
 * load vfio-pci, each device's `reset` attribute and `driver_override`. Read through the host
 * root, so a snapshot answers like the machine.
 */
export interface HostExtras {
  /** /lib/modules/<release>/modules.dep, or undefined when unreadable. */
  modulesDep: string | undefined;
  /** /lib/modules/<release>/modules.builtin, or undefined when unreadable. */
  modulesBuiltin: string | undefined;
  /** Devices whose `reset` attribute exists (the kernel can reset them by some method). */
  resettable: ReadonlySet<string>;
  /** `driver_override` of each device as read ("" when unset or unreadable). */
  driverOverrides: ReadonlyMap<string, string>;
}

export const NO_EXTRAS: HostExtras = { modulesDep: undefined, modulesBuiltin: undefined, resettable: new Set(), driverOverrides: new Map() };

export async function readHostExtras(host: HostRoot, env: EnvironmentData, addresses: readonly string[]): Promise<HostExtras> {
  const release = env.kernel.release;
  const [modulesDep, modulesBuiltin, perDevice] = await Promise.all([
    release ? host.readText(`/lib/modules/${release}/modules.dep`) : Promise.resolve(undefined),
    release ? host.readText(`/lib/modules/${release}/modules.builtin`) : Promise.resolve(undefined),
    Promise.all(
      addresses.map(async (address) => {
        const dir = `/sys/bus/pci/devices/${address}`;
        const [reset, override] = await Promise.all([host.exists(`${dir}/reset`), host.readAttribute(`${dir}/driver_override`)]);
        return { address, reset, override: override === undefined || override === "(null)" ? "" : override };
      }),
    ),
  ]);
  return {
    modulesDep,
    modulesBuiltin,
    resettable: new Set(perDevice.filter((entry) => entry.reset).map((entry) => entry.address)),
    driverOverrides: new Map(perDevice.map((entry) => [entry.address, entry.override])),
  };
}
