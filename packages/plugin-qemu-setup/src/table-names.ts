/** The TOML tables this plugin owns (kept free of zod so the manifest stays light). */
export const QEMU_TABLE_NAMES = ["vm", "cpu", "memory", "firmware", "disk", "network", "passthrough", "cdrom", "display", "usb", "output", "looking_glass", "input"] as const;
