import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "@vmforge/plugin-qemu-setup";

export const LINUX_GUEST = "linux";

/** The linux_setup stages run only for `vm.guest = "linux"`. */
export function isLinuxGuest(ctx: StageContext): boolean {
  return ctx.get(userVmRequestKey).vm.guest === LINUX_GUEST;
}
