import type { StageContext } from "@vmforge/kernel";
import { runDirOf } from "../run-dir.js";
import { userVmRequestKey } from "../contract.js";
import { describePinning } from "../cpu-pinning.js";
import { defineCpuRam } from "../define-hardware.js";
import { cpuRamKey, hostFitKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  const hardware = ctx.set(cpuRamKey, defineCpuRam(ctx.get(userVmRequestKey), ctx.get(hostFitKey), runDirOf(ctx)));
  if (hardware.cpu.pinning) ctx.ui.info(describePinning(hardware.cpu.pinning));
  if (hardware.cpu.hyperv) {
    const { enlightenments, hideHypervisor } = hardware.cpu.hyperv;
    ctx.ui.info(`Hyper-V: ${enlightenments.length ? `enlightenments ${enlightenments.join(", ")}` : "no enlightenments"}${hideHypervisor ? `; KVM hidden from the guest (vendor id ${hardware.cpu.hyperv.vendorId})` : ""}.`);
  }
}
