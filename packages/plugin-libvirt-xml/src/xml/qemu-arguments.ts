/** QEMU's option syntax doubles a comma inside a value. */
export function qemuOptionValue(value: string): string {
  return value.replace(/,/g, ",,");
}

/** A QEMU id (letters, digits, - . _; a letter first) for one of our devices. */
export function qemuId(deviceId: string): string {
  return `vmforge-${deviceId.replace(/[^A-Za-z0-9_.-]/g, "-")}`;
}
