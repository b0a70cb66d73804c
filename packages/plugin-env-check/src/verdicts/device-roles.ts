import type { PciDevice } from "../contract.js";

/*
 * What a PCI function is to the host, from the facts sysfs gives: its class code, the driver
 * bound to it and boot_vga. The GPU verdicts use these rules, and so does the VFIO planner
 * (through the package's public face), so `vmforge check` and a plan judge a host alike.
 */

/** Drivers that mean the host has already let go of the device. */
const RELEASED_DRIVERS = new Set(["vfio-pci", "pci-stub"]);

/** Display controllers (class 03): VGA, XGA, 3D and other display devices. Each is listed as a GPU. */
export function isDisplay(device: Pick<PciDevice, "classCode">): boolean {
  return device.classCode.startsWith("03");
}

/** VGA-compatible (0300): a card with display outputs that QEMU can make the guest's primary display (x-vga). */
export function isVgaCompatible(device: Pick<PciDevice, "classCode">): boolean {
  return device.classCode.startsWith("0300");
}

/**
 * A display controller that can light a screen. A 3D controller (0302, a compute card or the
 * render-only GPU of a hybrid laptop) has no outputs: the host never shows its console on one.
 */
export function hasDisplayOutputs(device: Pick<PciDevice, "classCode">): boolean {
  return isDisplay(device) && !device.classCode.startsWith("0302");
}

/**
 * On the root bus (`0000:00:xx.x`): part of the CPU or chipset, like an Intel iGPU. A plug-in
 * card always sits behind a root port, on a bus of its own.
 */
export function isIntegrated(device: Pick<PciDevice, "address">): boolean {
  return device.address.slice(5, 7) === "00";
}

/**
 * HDMI/DP audio sits beside a card with display outputs of its own: only VGA cards are expected
 * to have it, and not integrated ones, whose HDMI audio is the chipset's HD Audio controller.
 */
export function expectsAudioFunction(device: Pick<PciDevice, "classCode" | "address">): boolean {
  return isVgaCompatible(device) && !isIntegrated(device);
}

/** Bound to vfio-pci or pci-stub: the host has let go of it. */
export function isReleased(device: Pick<PciDevice, "driver">): boolean {
  return device.driver !== null && RELEASED_DRIVERS.has(device.driver);
}

/** Host bridge (0600), PCI-to-PCI bridge (0604), semi-transparent bridge (0609): they stay with the host and never block. */
export function isBridge(device: Pick<PciDevice, "classCode">): boolean {
  const sub = device.classCode.slice(0, 4);
  return sub === "0600" || sub === "0604" || sub === "0609";
}

/**
 * The chipset and I/O functions the host keeps unless they are released: storage (01), network
 * (02), the ISA/LPC bridge (0601), USB (0c03), SMBus (0c05), and the system peripherals that are
 * interrupt, DMA, timer and IOMMU controllers (0800-0806). They count without a driver too: the
 * LPC bridge and most system peripherals never have one, and a capture often does not say
 * which driver a disk or network controller has.
 */
function isPlatformFunction(device: Pick<PciDevice, "classCode">): boolean {
  const base = device.classCode.slice(0, 2);
  const sub = device.classCode.slice(0, 4);
  return base === "01" || base === "02" || sub === "0601" || sub === "0c03" || sub === "0c05" || /^080[0-6]$/.test(sub);
}

/**
 * A function the host really uses, which therefore cannot leave with a group: a platform
 * function (above) not released, or a display controller the host drives: the boot VGA
 * (its console is there even before a driver binds) or one with a host driver bound (a second
 * screen, or compute work on a 3D controller). An unbound or vfio-bound display controller
 * that is not the boot VGA is nobody's on the host: it can go to a guest with its group.
 */
export function isHostNeeded(device: Pick<PciDevice, "classCode" | "driver" | "bootVga">): boolean {
  if (isReleased(device)) return false;
  if (isDisplay(device)) return device.bootVga === true || device.driver !== null;
  return isPlatformFunction(device);
}

/** The display devices the host may show its screen on: those with outputs that it has not released. */
export function hostScreens(devices: readonly PciDevice[]): PciDevice[] {
  return devices.filter((device) => hasDisplayOutputs(device) && !isReleased(device));
}

/**
 * Why taking `device` leaves the host without its screen, if it does: it is the boot VGA
 * (`boot-vga`), or every display the host may show its screen on is among `leaving` (the
 * device, its functions and the group mates that go with it): `last-display`. A released
 * device or one without outputs is never the host's display.
 */
export function hostDisplayRole(device: PciDevice, devices: readonly PciDevice[], leaving: ReadonlySet<string>): "boot-vga" | "last-display" | undefined {
  if (!hasDisplayOutputs(device) || isReleased(device)) return undefined;
  if (device.bootVga === true) return "boot-vga";
  const screens = hostScreens(devices);
  return screens.length > 0 && screens.every((screen) => screen.address === device.address || leaving.has(screen.address)) ? "last-display" : undefined;
}

/** `0000:01:00.1` → `0000:01:00`. */
export function slotOf(address: string): string {
  return address.slice(0, address.lastIndexOf("."));
}
