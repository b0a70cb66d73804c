import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "../contract.js";

export function hasCdroms(ctx: StageContext): boolean {
  return ctx.get(userVmRequestKey).cdrom.length > 0;
}
