export interface BootRequest {
  device: string;
  bootIndex: number | null | undefined;
  /** The device reaches QEMU through <qemu:commandline> (an NVMe disk): its bootindex is written by us, not by libvirt. */
  viaQemuArguments: boolean;
}

/**
 * Boot priorities of disks and guest media, renumbered 1, 2, 3... in their order. Two plugins
 * may both ask for "1" (the system disk and an installer); libvirt and QEMU refuse duplicate
 * boot indexes, so ties keep the order the devices are listed in (disks, then media).
 *
 * When only <qemu:commandline> devices boot, libvirt sees no device with a boot order, falls
 * back to `<boot dev='hd'/>` and gives its first disk bootindex=1, which QEMU refuses next to
 * ours ("Boot index 1 ... already used"). Ours then start at 0 and skip 1: they still boot
 * first, and libvirt's disk becomes the fallback that `dev='hd'` means anyway.
 */
export class BootOrder {
  readonly #assigned = new Map<string, number>();
  readonly #libvirtBoots: boolean;

  constructor(requests: readonly BootRequest[]) {
    const wanted = requests
      .map((request, position) => ({ ...request, position }))
      .filter((request): request is BootRequest & { bootIndex: number; position: number } => typeof request.bootIndex === "number")
      .sort((a, b) => a.bootIndex - b.bootIndex || a.position - b.position);
    this.#libvirtBoots = wanted.some((request) => !request.viaQemuArguments);
    wanted.forEach((request, rank) => {
      const order = rank + 1;
      this.#assigned.set(request.device, !this.#libvirtBoots && order === 1 ? 0 : order);
    });
  }

  /** True when a device libvirt manages boots by priority (then `<os><boot dev>` must not be written). */
  get libvirtBoots(): boolean {
    return this.#libvirtBoots;
  }

  of(device: string): number | undefined {
    return this.#assigned.get(device);
  }
}
