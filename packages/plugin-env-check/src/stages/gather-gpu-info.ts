import type { StageContext } from "@vmforge/kernel";
import { hostReads } from "../host-reads.js";
import { hostPciKey } from "../keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(hostPciKey, await hostReads(ctx.host).pci);
}
