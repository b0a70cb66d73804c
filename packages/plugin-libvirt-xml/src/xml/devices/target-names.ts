/**
 * libvirt's disk target names: vda, vdb, ... vdz, vdaa, ... for virtio; sda, ... shared by
 * SATA and SCSI (the name picks the controller unit, and names must be unique per domain).
 */
export class DiskTargetNames {
  readonly #next = new Map<string, number>();

  take(prefix: "vd" | "sd"): string {
    const index = this.#next.get(prefix) ?? 0;
    this.#next.set(prefix, index + 1);
    return `${prefix}${letters(index)}`;
  }
}

/** 0 -> a, 25 -> z, 26 -> aa (bijective base 26, as libvirt's virDiskNameToIndex reads it). */
function letters(index: number): string {
  let name = "";
  let rest = index + 1;
  while (rest > 0) {
    const digit = (rest - 1) % 26;
    name = String.fromCharCode(97 + digit) + name;
    rest = Math.floor((rest - 1) / 26);
  }
  return name;
}
