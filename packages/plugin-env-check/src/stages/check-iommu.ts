import type { StageContext } from "@vmforge/kernel";
import { hostReads } from "../host-reads.js";
import { hostReadOptions } from "./run-options.js";
import { hostIommuKey } from "../keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(hostIommuKey, await hostReads(ctx.host, hostReadOptions(ctx)).iommu);
}
