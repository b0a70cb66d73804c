import type { StageContext } from "@vmforge/kernel";
import type { HostReadOptions } from "../host-reads.js";

/** Switches a command may pass: `hardwareDetails` (e.g. `vmforge check --details`). */
export function hostReadOptions(ctx: StageContext): HostReadOptions {
  return { hardwareDetails: ctx.input.flags["hardwareDetails"] === true };
}
