import type { HostRoot } from "@vmforge/kernel";
import { readAttribute, readText } from "./read-log.js";
import { readDiskModels } from "./disk-models.js";
import type { BlockDevice } from "../contract.js";
import { parseFlag, parseInteger } from "./sysfs-values.js";

const SOFTWARE_DEVICE = /^(?:loop|ram|zram|dm-|md|nbd)\d/;

/** Names of /proc/partitions (`major minor #blocks name`). */
export function parsePartitionNames(text: string | undefined): string[] {
  return (text ?? "")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4 && /^\d+$/.test(fields[0]!))
    .map((fields) => fields[3]!);
}

/**
 * Block devices from /sys/block; partitions from /proc/partitions. Sizes are 512-byte sectors
 * in sysfs. `hardwareDetails` asks systeminformation for the models sysfs does not know.
 */
export async function readBlockDevices(host: HostRoot, options: { hardwareDetails?: boolean } = {}): Promise<BlockDevice[]> {
  const [names, partitionsText] = await Promise.all([host.list("/sys/block"), readText(host, "/proc/partitions")]);
  const partitionNames = parsePartitionNames(partitionsText);
  const devices = await Promise.all(
    names.map(async (name): Promise<BlockDevice> => {
      const dir = `/sys/block/${name}`;
      // Loop, RAM and device-mapper devices have no hardware to describe: their size is enough.
      const software = SOFTWARE_DEVICE.test(name);
      const skip = async (): Promise<undefined> => undefined;
      const [size, rotational, removable, readOnly, hasDevice, model, vendor] = await Promise.all([
        readAttribute(host, `${dir}/size`),
        software ? skip() : readAttribute(host, `${dir}/queue/rotational`),
        software ? skip() : readAttribute(host, `${dir}/removable`),
        readAttribute(host, `${dir}/ro`),
        software ? false : host.exists(`${dir}/device`),
        software ? skip() : readAttribute(host, `${dir}/device/model`),
        software ? skip() : readAttribute(host, `${dir}/device/vendor`),
      ]);
      const sectors = parseInteger(size);
      return {
        name,
        sizeBytes: sectors === null ? null : sectors * 512,
        rotational: parseFlag(rotational),
        removable: parseFlag(removable),
        readOnly: parseFlag(readOnly),
        virtual: !hasDevice,
        model: model || null,
        vendor: vendor && !/^0x[0-9a-f]+$/i.test(vendor) ? vendor : null,
        partitions: partitionNames.filter((partition) => partition !== name && partition.startsWith(name) && !names.includes(partition)),
      };
    }),
  );
  const unnamed = devices.some((device) => !device.virtual && device.model === null);
  const models = await readDiskModels(host, unnamed && options.hardwareDetails === true);
  return devices.map((device) => {
    const known = device.virtual ? undefined : models.get(device.name);
    return known ? { ...device, model: device.model ?? known.model, vendor: device.vendor ?? known.vendor } : device;
  });
}
