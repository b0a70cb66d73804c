import type { StageContext } from "@vmforge/kernel";
import { needHardware } from "@vmforge/plugin-qemu-setup/guest";

/** Windows 11 requires UEFI with Secure Boot and a TPM 2.0 (what virt-install's --osinfo win11 sets). */
export async function run(ctx: StageContext): Promise<void> {
  await needHardware(ctx, { uefi: true, secureBoot: true, tpm: true, reason: "Windows 11" });
}
