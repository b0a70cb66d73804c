import type { StageContext } from "@vmforge/kernel";
import { userVmRequestKey } from "@vmforge/plugin-qemu-setup";

/** The stage runs when the TOML asks for it (`[output] kubevirt = true`) or with `--with kubevirt:generate_kubevirt_vm`. */
export function kubevirtRequested(ctx: StageContext): boolean {
  return ctx.tryGet(userVmRequestKey)?.output.kubevirt === true;
}
