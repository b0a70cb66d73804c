import type { StageContext } from "@vmforge/kernel";
import { runDirOf } from "../run-dir.js";
import { userVmRequestKey } from "../contract.js";
import { describePinning } from "../cpu-pinning.js";
import { defineCpuRam } from "../define-hardware.js";
import { cpuRamKey, hostFitKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  const fit = ctx.get(hostFitKey);
  const hardware = ctx.set(cpuRamKey, defineCpuRam(ctx.get(userVmRequestKey), fit, runDirOf(ctx)));
  const { memory } = hardware;
  if (memory.hugepages && memory.hugepageSizeBytes !== null) {
    ctx.ui.info(`Memory: ${memory.mib} MiB on ${memory.hugepageSizeBytes >= 1024 ** 3 ? `${memory.hugepageSizeBytes / 1024 ** 3} GiB` : `${memory.hugepageSizeBytes / 1024 ** 2} MiB`} hugepages${fit.hugepageReason ? ` (${fit.hugepageReason})` : ""}.`);
  }
  if (hardware.cpu.pinning) ctx.ui.info(describePinning(hardware.cpu.pinning));
  if (hardware.cpu.hyperv) {
    const { enlightenments, hideHypervisor } = hardware.cpu.hyperv;
    ctx.ui.info(`Hyper-V: ${enlightenments.length ? `enlightenments ${enlightenments.join(", ")}` : "no enlightenments"}${hideHypervisor ? `; KVM hidden from the guest (vendor id ${hardware.cpu.hyperv.vendorId})` : ""}.`);
  }
}
