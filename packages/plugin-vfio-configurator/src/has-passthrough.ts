import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "@vmforge/plugin-qemu-setup";

/** The condition of qemu_setup:configure_vfio: the request has [[passthrough]] entries. */
export function hasPassthrough(ctx: StageContext): boolean {
  return (ctx.tryGet(userVmRequestKey)?.passthrough.length ?? 0) > 0;
}
