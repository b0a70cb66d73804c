import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

/** The kvmfr module (Looking Glass's own shared-memory device) is loaded: env-check's `relevant` list (from /proc/modules or /sys/module) has it. */
export function hasKvmfr(env: EnvironmentData): boolean {
  return env.modules.relevant.includes("kvmfr");
}

/** [looking_glass]: on the kvmfr device when its module is loaded, else a file in /dev/shm. */
export function checkLookingGlass(request: Pick<UserVmRequest, "looking_glass">, env: EnvironmentData, accelerator: HostFit["accelerator"], report: CheckReport): HostFit["lookingGlass"] {
  if (request.looking_glass === undefined) return undefined;
  if (accelerator.type !== "kvm") {
    report.warn({ code: "W_LOOKING_GLASS_TCG", text: "[looking_glass] under TCG: the device is there, but frames copied through software emulation are too slow to watch.", fix: "Run on a host with /dev/kvm." });
  }
  return { kvmfr: hasKvmfr(env) };
}
