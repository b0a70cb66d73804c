import type { RequestLookingGlass, VmLookingGlass } from "./contract.js";

const MiB = 1024 ** 2;

/** Where the IVSHMEM memory lives: a file in /dev/shm, or the kvmfr module's device. */
export const LOOKING_GLASS_SHM = "/dev/shm/looking-glass";
export const LOOKING_GLASS_KVMFR = "/dev/kvmfr0";
/** The QEMU object id and the libvirt <shmem> name (libvirt maps the name to /dev/shm/<name>). */
export const LOOKING_GLASS_ID = "looking-glass";

/**
 * Looking Glass's own rule for the IVSHMEM size: two frames of width × height at 4 bytes a pixel,
 * plus 10 MiB, rounded up to a power of two MiB (2560 × 1440 → 64 MiB).
 */
export function lookingGlassSizeMib(width: number, height: number): number {
  const needed = Math.ceil((width * height * 4 * 2 + 10 * MiB) / MiB);
  let size = 1;
  while (size < needed) size *= 2;
  return size;
}

/** [looking_glass] as the definition records it, on the kvmfr device when the host has the module. */
export function defineLookingGlass(request: RequestLookingGlass, kvmfr: boolean, runAs: string | null): VmLookingGlass {
  return {
    width: request.width,
    height: request.height,
    sizeMib: lookingGlassSizeMib(request.width, request.height),
    backing: kvmfr ? "kvmfr" : "shm",
    path: kvmfr ? LOOKING_GLASS_KVMFR : LOOKING_GLASS_SHM,
    owner: request.owner ?? runAs,
    group: request.group ?? null,
    mode: request.mode,
  };
}

/** A systemd-tmpfiles line that makes the shm file at boot with its owner and mode (what Looking Glass's docs suggest). */
export function lookingGlassTmpfiles(lookingGlass: VmLookingGlass): string {
  return `# Looking Glass shared memory (${lookingGlass.width}x${lookingGlass.height}, ${lookingGlass.sizeMib} MiB), written by vmforge.\nf ${lookingGlass.path} ${lookingGlass.mode} ${lookingGlass.owner ?? "-"} ${lookingGlass.group ?? "-"} -\n`;
}

/** What a plan says about it. */
export function describeLookingGlass(lookingGlass: VmLookingGlass): string {
  const where = lookingGlass.backing === "kvmfr" ? `${lookingGlass.path} (the kvmfr module is loaded; load it with static_size_mb=${lookingGlass.sizeMib} or more)` : lookingGlass.path;
  return `Looking Glass: ${lookingGlass.sizeMib} MiB of IVSHMEM for ${lookingGlass.width}x${lookingGlass.height} (width × height × 4 × 2 bytes + 10 MiB, rounded up to a power of two), on ${where}, mode ${lookingGlass.mode}${lookingGlass.owner ? `, owner ${lookingGlass.owner}` : ""}${lookingGlass.group ? `, group ${lookingGlass.group}` : ""}.`;
}
