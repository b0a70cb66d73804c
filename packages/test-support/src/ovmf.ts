import { copyFile, mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * What Debian 12's `ovmf` package installs for QEMU (2022.11-6+deb12u2): three firmware
 * descriptors in /usr/share/qemu/firmware and the images they name in /usr/share/OVMF. The
 * descriptors here carry the same fields and values as the package's; the images are one-line
 * placeholders (a snapshot plans a VM, it does not boot one).
 */
export const DEBIAN_OVMF_DESCRIPTORS: Record<string, object> = {
  "40-edk2-x86_64-secure-enrolled.json": descriptor(
    "UEFI firmware for x86_64, with Secure Boot and SMM, SB enabled, MS certs enrolled",
    "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
    "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
    ["pc-q35-*"],
    ["acpi-s3", "amd-sev", "enrolled-keys", "requires-smm", "secure-boot", "verbose-dynamic"],
  ),
  "50-edk2-x86_64-secure.json": descriptor(
    "UEFI firmware for x86_64, with Secure Boot and SMM, empty varstore",
    "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
    "/usr/share/OVMF/OVMF_VARS_4M.fd",
    ["pc-q35-*"],
    ["acpi-s3", "amd-sev", "requires-smm", "secure-boot", "verbose-dynamic"],
  ),
  "60-edk2-x86_64.json": descriptor(
    "UEFI firmware for x86_64, without Secure Boot without SMM, with empty varstore",
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
    "/usr/share/OVMF/OVMF_VARS_4M.fd",
    ["pc-i440fx-*", "pc-q35-*"],
    ["acpi-s3", "amd-sev", "verbose-dynamic"],
  ),
};

/** The images of Debian's package: files, and the symlinks it ships for the .ms names. */
export const DEBIAN_OVMF_IMAGES = {
  files: ["OVMF_CODE_4M.fd", "OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.fd", "OVMF_VARS_4M.ms.fd", "OVMF_VARS_4M.snakeoil.fd"],
  links: { "OVMF_CODE_4M.ms.fd": "OVMF_CODE_4M.secboot.fd", "OVMF_CODE_4M.snakeoil.fd": "OVMF_CODE_4M.secboot.fd" } as Record<string, string>,
};

function descriptor(description: string, code: string, vars: string, machines: string[], features: string[]): object {
  return {
    description,
    "interface-types": ["uefi"],
    mapping: { device: "flash", executable: { filename: code, format: "raw" }, "nvram-template": { filename: vars, format: "raw" } },
    targets: [{ architecture: "x86_64", machines }],
    features,
    tags: [],
  };
}

/**
 * Writes Debian's OVMF layout into a snapshot folder: `descriptors` false leaves the host with
 * file names only; `imagesFrom` copies the images of a real install (for tests that boot them)
 * instead of writing empty placeholders.
 */
export async function writeDebianOvmf(root: string, options: { descriptors?: boolean; imagesFrom?: string } = {}): Promise<void> {
  await mkdir(join(root, "usr/share/OVMF"), { recursive: true });
  for (const name of DEBIAN_OVMF_IMAGES.files) {
    const target = join(root, "usr/share/OVMF", name);
    if (options.imagesFrom) await copyFile(join(options.imagesFrom, name), target);
    else await writeFile(target, `${name}: a placeholder of a host snapshot (it plans VMs; it boots none)\n`);
  }
  for (const [name, target] of Object.entries(DEBIAN_OVMF_IMAGES.links)) await symlink(target, join(root, "usr/share/OVMF", name));
  if (options.descriptors === false) return;
  for (const [name, content] of Object.entries(DEBIAN_OVMF_DESCRIPTORS)) {
    const path = join(root, "usr/share/qemu/firmware", name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(content, null, 4)}\n`);
  }
}

let ovmfRoot: Promise<string> | undefined;

/**
 * A host root that has nothing but Debian's OVMF layout, for runs whose host facts come from a
 * test double: stages that read the host (the OVMF vars template) read it here, never from the
 * machine the tests run on. One per process; tests must not change it.
 */
export function ovmfHostRoot(): Promise<string> {
  ovmfRoot ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), "vmforge-ovmf-host-"));
    await writeDebianOvmf(root);
    return root;
  })();
  return ovmfRoot;
}

let machineRoot: Promise<string> | undefined;

/**
 * Like {@link ovmfHostRoot}, with copies of this machine's real OVMF images (Debian's `ovmf`
 * package): for tests that plan a UEFI VM and then start it in the real QEMU. Check `ovmf()`
 * first.
 */
export function machineOvmfHostRoot(): Promise<string> {
  machineRoot ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), "vmforge-machine-ovmf-"));
    await writeDebianOvmf(root, { imagesFrom: "/usr/share/OVMF" });
    return root;
  })();
  return machineRoot;
}
