import type { HostRoot } from "@vmforge/kernel";
import type { FirmwareInfo } from "../contract.js";
import { descriptorDirs, readFirmwareDescriptors } from "./firmware-descriptors.js";

/** Where distributions put OVMF (edk2 for x86_64 guests): Debian/Ubuntu, QEMU's own, Fedora, Arch, SUSE. */
export const OVMF_DIRS = [
  "/usr/share/OVMF",
  "/usr/share/qemu",
  "/usr/share/edk2/ovmf",
  "/usr/share/edk2/x64",
  "/usr/share/edk2-ovmf/x64",
  "/usr/share/edk2",
] as const;

const BIN_DIRS = ["/usr/local/bin", "/usr/bin", "/bin"] as const;

const CODE_IMAGE = /^(?:OVMF_CODE[\w.-]*\.fd|OVMF\.fd|edk2-x86_64(?:-secure)?-code\.fd)$/i;
const VARS_IMAGE = /^(?:OVMF_VARS[\w.-]*\.fd|edk2-i386-vars\.fd|edk2-x86_64-vars\.fd)$/i;

/**
 * QEMU's firmware descriptors, OVMF images by file name (for hosts without descriptors), and
 * the QEMU programs; read through the host root, not $PATH.
 */
export async function readFirmware(host: HostRoot): Promise<FirmwareInfo> {
  const dirs = descriptorDirs();
  const [{ descriptors, invalid }, listings, system, img] = await Promise.all([
    readFirmwareDescriptors(host, dirs),
    Promise.all(OVMF_DIRS.map(async (dir) => ({ dir, names: await host.list(dir) }))),
    findProgram(host, "qemu-system-x86_64"),
    findProgram(host, "qemu-img"),
  ]);
  const ovmfCode: string[] = [];
  const ovmfVars: string[] = [];
  for (const { dir, names } of listings) {
    for (const name of names) {
      if (CODE_IMAGE.test(name)) ovmfCode.push(`${dir}/${name}`);
      else if (VARS_IMAGE.test(name)) ovmfVars.push(`${dir}/${name}`);
    }
  }
  return { descriptors, descriptorDirs: dirs, invalidDescriptors: invalid, ovmfCode, ovmfVars, searchedDirs: [...OVMF_DIRS], binaries: { qemuSystemX86_64: system, qemuImg: img } };
}

async function findProgram(host: HostRoot, name: string): Promise<string | null> {
  const found = await Promise.all(BIN_DIRS.map((dir) => host.exists(`${dir}/${name}`)));
  const index = found.indexOf(true);
  return index < 0 ? null : `${BIN_DIRS[index]}/${name}`;
}
