import { basename, dirname, join } from "node:path";
import { usableUefiDescriptors, type FirmwareDescriptor, type FirmwareInfo } from "@vmforge/plugin-env-check";

export interface OvmfPair {
  code: string;
  varsTemplate: string;
  /** How it was found: the descriptor's path, or "file names". */
  source: string;
}

/**
 * The OVMF code image and vars template for a q35 guest, found the way libvirt finds them:
 * QEMU's firmware descriptors first, in their order of preference, by interface, target and
 * features; file names only on a host that has no descriptor at all.
 */
export function chooseOvmf(firmware: FirmwareInfo, secureBoot: boolean): OvmfPair | undefined {
  if (firmware.descriptors.length > 0) return fromDescriptors(firmware.descriptors, secureBoot);
  const pair = selectOvmfByName(firmware.ovmfCode, firmware.ovmfVars, secureBoot);
  return pair && { ...pair, source: "file names" };
}

/**
 * Secure boot wants `secure-boot` (vmforge then turns SMM on); without it a descriptor must
 * have neither `secure-boot` nor `requires-smm`, since SMM stays off. Descriptors with keys
 * enrolled come first where the order of preference is otherwise equal: a secure boot that
 * enforces nothing is not what was asked for.
 */
function fromDescriptors(descriptors: readonly FirmwareDescriptor[], secureBoot: boolean): OvmfPair | undefined {
  const fitting = usableUefiDescriptors(descriptors).filter((descriptor) =>
    secureBoot ? descriptor.features.includes("secure-boot") : !descriptor.features.includes("secure-boot") && !descriptor.features.includes("requires-smm"),
  );
  const chosen = secureBoot ? (fitting.find((descriptor) => descriptor.features.includes("enrolled-keys")) ?? fitting[0]) : fitting[0];
  return chosen && { code: chosen.executable!.filename, varsTemplate: chosen.nvramTemplate!.filename, source: chosen.path };
}

const SECURE = /secboot|secure|\.ms\.|snakeoil|enrolled/i;

/**
 * Picks an OVMF code image and its matching vars template by file name
 * (Debian: OVMF_CODE_4M.fd + OVMF_VARS_4M.fd, secure boot OVMF_CODE_4M.secboot.fd +
 * OVMF_VARS_4M.ms.fd; Fedora: edk2/ovmf/OVMF_CODE.secboot.fd; Arch: x64/OVMF_CODE.4m.fd).
 * A code image is only used with the vars of the same build (same folder, same size class).
 */
export function selectOvmfByName(codes: readonly string[], vars: readonly string[], secureBoot: boolean): Omit<OvmfPair, "source"> | undefined {
  const candidates = codes
    .filter((code) => (secureBoot ? /secboot|secure/i.test(basename(code)) && !/snakeoil/i.test(code) : !SECURE.test(basename(code))))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const available = new Set(vars);
  for (const code of candidates) {
    const varsTemplate = varsFor(code, secureBoot).find((path) => available.has(path));
    if (varsTemplate) return { code, varsTemplate };
  }
  return undefined;
}

/** 4 MiB builds first (what current distributions default to), then the rest. */
function rank(path: string): number {
  return /4m/i.test(basename(path)) ? 0 : 1;
}

function varsFor(code: string, secureBoot: boolean): string[] {
  const folder = dirname(code);
  const name = basename(code).replace(/CODE/g, "VARS").replace(/code/g, "vars");
  const names = secureBoot
    ? [name.replace(/secboot/i, "ms"), name, name.replace(/\.secboot/i, "").replace(/\.secure/i, ""), name.replace(/secure/i, "ms")]
    : [name];
  return [...new Set(names)].map((candidate) => join(folder, candidate));
}
