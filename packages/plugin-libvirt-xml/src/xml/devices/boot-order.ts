/**
 * Boot priorities of disks and guest media, renumbered 1, 2, 3... in their order. Two plugins
 * may both ask for "1" (the system disk and an installer); libvirt and QEMU refuse duplicate
 * boot indexes, so ties keep the order the devices are listed in (disks, then media).
 */
export class BootOrder {
  readonly #assigned = new Map<string, number>();

  constructor(requests: ReadonlyArray<{ device: string; bootIndex: number | null | undefined }>) {
    const wanted = requests
      .map((request, position) => ({ ...request, position }))
      .filter((request): request is { device: string; bootIndex: number; position: number } => typeof request.bootIndex === "number")
      .sort((a, b) => a.bootIndex - b.bootIndex || a.position - b.position);
    wanted.forEach((request, rank) => this.#assigned.set(request.device, rank + 1));
  }

  /** True when some device boots by priority (then `<os><boot dev>` must not be written). */
  get any(): boolean {
    return this.#assigned.size > 0;
  }

  of(device: string): number | undefined {
    return this.#assigned.get(device);
  }
}
