/*
 * The only sysfs writes this plugin ever makes, as exact shapes: whatever a plan or an undo
 * journal says, a path that is not one of these is refused before anything is written. The
 * kernel's writeSysfs then checks where the path really leads.
 */

export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
/** A kernel driver's name (`snd_hda_intel`, `vfio-pci`, `ehci-pci`); never `.` or `..`. */
export const DRIVER_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/;

const ADDRESS = "([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])";
const DRIVER = "((?!\\.\\.?/)[A-Za-z0-9_.-]{1,64})";

/** What one write does, by its path. */
export type VfioWrite =
  | { attribute: "driver_override"; address: string }
  | { attribute: "driver/unbind"; address: string }
  | { attribute: "drivers_probe" }
  | { attribute: "bind" | "unbind"; driver: string };

const SHAPES: Array<[RegExp, (match: RegExpExecArray) => VfioWrite]> = [
  [new RegExp(`^/sys/bus/pci/devices/${ADDRESS}/driver_override$`), (match) => ({ attribute: "driver_override", address: match[1]! })],
  [new RegExp(`^/sys/bus/pci/devices/${ADDRESS}/driver/unbind$`), (match) => ({ attribute: "driver/unbind", address: match[1]! })],
  [/^\/sys\/bus\/pci\/drivers_probe$/, () => ({ attribute: "drivers_probe" })],
  [new RegExp(`^/sys/bus/pci/drivers/${DRIVER}/(bind|unbind)$`), (match) => ({ attribute: match[2] as "bind" | "unbind", driver: match[1]! })],
];

export const VFIO_WRITE_PATHS =
  "/sys/bus/pci/devices/ADDRESS/driver_override, /sys/bus/pci/devices/ADDRESS/driver/unbind, /sys/bus/pci/drivers_probe, /sys/bus/pci/drivers/DRIVER/bind or /sys/bus/pci/drivers/DRIVER/unbind";

export function parseVfioWrite(path: string): VfioWrite | undefined {
  for (const [shape, make] of SHAPES) {
    const match = shape.exec(path);
    if (match) return make(match);
  }
  return undefined;
}

/**
 * Why a write is not one this plugin makes, or undefined when it is: the path one of the
 * shapes above, written exactly (no `..`, no `//`), and the value what that attribute takes
 * (an address, the device's own for `driver/unbind`; a driver name or "\n" for
 * `driver_override`).
 */
export function vfioWriteProblem(step: { path: string; value: string }): string | undefined {
  const write = parseVfioWrite(step.path);
  if (!write) return `${shown(step.path)} is not an attribute vmforge writes (${VFIO_WRITE_PATHS})`;
  if (write.attribute === "driver_override") {
    if (step.value !== "\n" && !DRIVER_NAME.test(step.value)) return `${shown(step.value)} is no value for driver_override (a driver name, or "\\n" to clear it)`;
    return undefined;
  }
  if (!PCI_ADDRESS.test(step.value)) return `${shown(step.value)} is no PCI address (0000:01:00.0), which ${write.attribute} takes`;
  if (write.attribute === "driver/unbind" && step.value !== write.address) return `${step.path} unbinds ${write.address}, not ${step.value}`;
  return undefined;
}

/** A string from a file, quoted with control characters escaped and cut when long. */
export function shown(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 120 ? `${quoted.slice(0, 100)}…" (${text.length} characters)` : quoted;
}
