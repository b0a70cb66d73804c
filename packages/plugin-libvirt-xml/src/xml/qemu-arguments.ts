/*
 * Devices in <qemu:commandline> are written in QEMU's JSON syntax, without a bus. QEMU creates
 * every `-device driver,key=value` before any JSON `-device` (QEMU 7.2), and libvirt writes its
 * own devices as JSON: a device in the old syntax would be created first and take the pcie.0
 * slot libvirt gave one of its root ports ("slot 2 function 0 not available for
 * pcie-root-port, in use by virtio-net-pci"). As JSON it is created after all of libvirt's and
 * QEMU gives it the first free pcie.0 slot. A root port of its own would not do: libvirt does
 * not know the port is taken and puts one of its devices there.
 */

/** A QEMU id / node name (letters, digits, - . _; a letter first; at most 31 characters) for one of our devices. */
export function qemuId(deviceId: string): string {
  return `vmforge-${deviceId.replace(/[^A-Za-z0-9_.-]/g, "-")}`.slice(0, 31);
}

/** One JSON option value (`-device {...}`, `-blockdev {...}`); JSON needs no QEMU comma escaping. */
export function qemuJson(properties: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)));
}
