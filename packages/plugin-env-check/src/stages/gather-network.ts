import type { StageContext } from "@vmforge/kernel";
import { hostReads } from "../host-reads.js";
import { hostReadOptions } from "./run-options.js";
import { hostNetworkKey } from "../keys.js";

export async function run(ctx: StageContext): Promise<void> {
  ctx.set(hostNetworkKey, await hostReads(ctx.host, hostReadOptions(ctx)).network);
}
