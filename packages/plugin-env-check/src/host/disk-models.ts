import type { HostRoot } from "@vmforge/kernel";
import { readText, rememberGenerated } from "./read-log.js";

/**
 * Where a snapshot keeps what systeminformation said on the live host, so a replay (which
 * never runs systeminformation) gives the same answer.
 */
export const DISK_MODELS_REPLAY_PATH = "/.vmforge/systeminformation-disks.json";

export interface DiskModel {
  model: string | null;
  vendor: string | null;
}

/**
 * Disk model and vendor strings from systeminformation, for disks whose sysfs says nothing
 * (virtio, some NVMe and USB bridges). Only on a live host and only when asked: it spawns
 * lsblk and friends and costs more than the whole check. An empty answer means unknown.
 * Serial numbers are never kept.
 */
export async function readDiskModels(host: HostRoot, wanted: boolean): Promise<Map<string, DiskModel>> {
  if (!host.isLive) {
    const replay = await readText(host, DISK_MODELS_REPLAY_PATH);
    return new Map(replay ? (Object.entries(JSON.parse(replay) as Record<string, DiskModel>)) : []);
  }
  if (!wanted) return new Map();
  const models = new Map<string, DiskModel>();
  try {
    const module = (await import("systeminformation")) as unknown as { diskLayout?: () => Promise<Array<{ device: string; name: string; vendor: string }>>; default?: { diskLayout: () => Promise<Array<{ device: string; name: string; vendor: string }>> } };
    const diskLayout = module.diskLayout ?? module.default?.diskLayout;
    for (const disk of (await diskLayout?.()) ?? []) {
      const name = disk.device?.split("/").pop();
      const model = disk.name?.trim() || null;
      const vendor = disk.vendor?.trim() || null;
      if (name && (model || vendor)) models.set(name, { model, vendor });
    }
  } catch {
    return new Map();
  }
  rememberGenerated(host, DISK_MODELS_REPLAY_PATH, JSON.stringify(Object.fromEntries(models)));
  return models;
}
