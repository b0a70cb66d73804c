import { basename, dirname, join } from "node:path";

export interface OvmfPair {
  code: string;
  varsTemplate: string;
}

const SECURE = /secboot|secure|\.ms\.|snakeoil|enrolled/i;

/**
 * Picks an OVMF code image and its matching vars template from what the host has
 * (Debian: OVMF_CODE_4M.fd + OVMF_VARS_4M.fd, secure boot OVMF_CODE_4M.secboot.fd +
 * OVMF_VARS_4M.ms.fd; Fedora: edk2/ovmf/OVMF_CODE.secboot.fd; Arch: x64/OVMF_CODE.4m.fd).
 * A code image is only used with the vars of the same build (same folder, same size class).
 */
export function selectOvmf(codes: readonly string[], vars: readonly string[], secureBoot: boolean): OvmfPair | undefined {
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
