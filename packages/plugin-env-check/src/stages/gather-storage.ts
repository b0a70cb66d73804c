import type { StageContext } from "@vmforge/kernel";
import { hostReads } from "../host-reads.js";
import { hostReadOptions } from "./run-options.js";
import { hostStorageKey } from "../keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(hostStorageKey, await hostReads(ctx.host, hostReadOptions(ctx)).storage);
}
