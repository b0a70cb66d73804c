import { resolve } from "node:path";
import { ReadLimits, formatBytes } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import { chooseOvmf } from "../ovmf-selection.js";
import { userFileFault } from "../user-file-check.js";
import type { HostFit } from "../working-keys.js";
import type { CheckReport } from "./report.js";

const OVMF_FIX = "Install OVMF: `apt install ovmf` (Debian, Ubuntu), `dnf install edk2-ovmf` (Fedora), `pacman -S edk2-ovmf` (Arch); or set [firmware] code and vars.";

/** The OVMF pair for UEFI: the user's files where given, else the best match env-check found. */
export async function chooseFirmware(request: UserVmRequest, env: EnvironmentData, report: CheckReport): Promise<HostFit["ovmf"]> {
  const { type, secure_boot: secureBoot, code, vars } = request.firmware;
  if (type !== "uefi") return null;
  const found = chooseOvmf(env.firmware, secureBoot);
  if (code === undefined && vars === undefined) {
    if (found) return found;
    reportNotFound(env, secureBoot, report);
    return null;
  }
  const pair = {
    code: code !== undefined ? resolve(report.baseDir, code) : found?.code,
    varsTemplate: vars !== undefined ? resolve(report.baseDir, vars) : found?.varsTemplate,
  };
  // Checked here, before any stage writes: `vars = "/dev/zero"` would otherwise be copied until the disk is full.
  for (const [key, given, path] of [["code", code, pair.code], ["vars", vars, pair.varsTemplate]] as const) {
    if (given === undefined || path === undefined) continue;
    const fault = await userFileFault(path, ReadLimits.firmware, "E_FIRMWARE_FILE_MISSING");
    if (fault) {
      report.problem(fault.code, ["firmware", key], fault.message, {
        received: fault.code === "E_FIRMWARE_FILE_MISSING" ? JSON.stringify(given) : `${JSON.stringify(given)} (${fault.received})`,
        expected: `an OVMF ${key === "code" ? "code image" : "vars template"}: a regular file of at most ${formatBytes(ReadLimits.firmware)}`,
        fix: fault.fix,
      });
    }
  }
  if (pair.code !== undefined && pair.varsTemplate !== undefined) return { code: pair.code, varsTemplate: pair.varsTemplate, source: "[firmware] code and vars" };
  const missing = code === undefined ? "code" : "vars";
  report.problem("E_OVMF_MISSING", ["firmware", missing], `no OVMF ${missing === "code" ? "code image" : "vars template"} was found on the host to go with the one given`, {
    received: "nothing (the key is missing)",
    expected: `[firmware] ${missing} = "..."`,
    fix: OVMF_FIX,
  });
  return null;
}

function reportNotFound(env: EnvironmentData, secureBoot: boolean, report: CheckReport): void {
  if (secureBoot && chooseOvmf(env.firmware, false)) {
    report.problem("E_OVMF_MISSING", ["firmware", "secure_boot"], "no OVMF build with secure boot was found", {
      received: "true",
      expected: "an OVMF secure boot build (OVMF_CODE_4M.secboot.fd + OVMF_VARS_4M.ms.fd)",
      fix: `${OVMF_FIX} Or set secure_boot = false.`,
    });
    return;
  }
  const where = env.firmware.descriptors.length > 0 ? `QEMU's firmware descriptors in ${env.firmware.descriptorDirs.join(", ")} name none for x86_64 q35 that is installed` : `no QEMU firmware descriptor in ${env.firmware.descriptorDirs.join(", ")} and no OVMF image in ${env.firmware.searchedDirs.join(", ")}`;
  report.problem("E_OVMF_MISSING", ["firmware", "type"], `UEFI firmware (OVMF) was not found: ${where}`, {
    received: '"uefi"',
    expected: 'OVMF installed, or type = "bios"',
    fix: OVMF_FIX,
  });
}
