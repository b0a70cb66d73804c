import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "@vmforge/plugin-qemu-setup";

export const LINUX_GUEST = "linux";
export const LINUX_TABLE_IGNORED = "W_LINUX_TABLE_IGNORED";

/** The linux_setup stages run only for `vm.guest = "linux"`. */
export function isLinuxGuest(ctx: StageContext): boolean {
  return ctx.get(userVmRequestKey).vm.guest === LINUX_GUEST;
}

/** isLinuxGuest for the first stage, which also says when a [linux] table will be ignored. */
export function isLinuxGuestWarningIfIgnored(ctx: StageContext): boolean {
  const request = ctx.get(userVmRequestKey);
  if (request.vm.guest === LINUX_GUEST) return true;
  if (request.extensions.linux !== undefined) {
    ctx.ui.warn(`[linux] is ignored: vm.guest is "${request.vm.guest}", so no cloud-init seed is made.`, 'Set guest = "linux" under [vm] to use it, or remove the [linux] table.', LINUX_TABLE_IGNORED);
  }
  return false;
}
