import { basename, dirname, resolve } from "node:path";
import type { StageContext } from "@vmforge/kernel";
import { guestMediaKey, userVmRequestKey } from "../contract.js";

/** [[cdrom]] -> session.guest_media: read-only CD-ROMs, `boot = true` ones before the disks. */
export async function run(ctx: StageContext): Promise<void> {
  const request = ctx.get(userVmRequestKey);
  const baseDir = dirname(resolve(request.source.path));
  for (const cdrom of request.cdrom) {
    const path = resolve(baseDir, cdrom.path);
    await ctx.recordInput(path, "a [[cdrom]] image");
    ctx.add(guestMediaKey, { kind: "cdrom", path, format: "raw", label: basename(path), readonly: true, producer: ctx.plugin, ...(cdrom.boot ? { boot: "first" as const } : {}) });
  }
  if (request.cdrom.length > 0) ctx.ui.info(`Attached ${request.cdrom.length} CD-ROM image(s)${request.cdrom.some((cdrom) => cdrom.boot) ? ", booting the first one marked boot = true before the disks" : ""}.`);
}
