import type { StageContext } from "@vmforge/kernel";
import { attachMedium, guestRequest } from "@vmforge/plugin-qemu-setup/guest";
import { windowsTableSchema } from "../config-schema.js";
import { windowsAnswerFileKey } from "../contract.js";

/**
 * The installer boots first (the empty disk has nothing to boot yet; once Windows is installed
 * the installer waits for a key press and the disk boots); the drivers and the answer file are
 * CD-ROMs Setup reads.
 */
export async function run(ctx: StageContext): Promise<void> {
  const guest = await guestRequest(ctx);
  const table = guest.table("windows", windowsTableSchema);
  const answerFile = ctx.get(windowsAnswerFileKey);
  const installIso = guest.path(table.install_iso);
  const virtioIso = guest.path(table.virtio_iso);
  await ctx.recordInput(installIso, "windows.install_iso");
  await ctx.recordInput(virtioIso, "windows.virtio_iso");
  await attachMedium(ctx, { path: installIso, label: "windows-installer", boot: "first" });
  await attachMedium(ctx, { path: virtioIso, label: "virtio-win" });
  await attachMedium(ctx, { path: answerFile.isoPath, label: answerFile.volumeId });
  ctx.ui.info(`Attached ${installIso} (boots first), ${virtioIso} and ${answerFile.isoPath}.`);
}
