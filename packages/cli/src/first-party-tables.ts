/**
 * The top-level tables of the first-party plugins. The installed manifests (`config.tables`)
 * decide who owns a table; this list only lets an error name the package to install when the
 * owner is not installed, which no manifest can say. A test holds it equal to the manifests.
 */
export const FIRST_PARTY_TABLES: Readonly<Record<string, string>> = {
  vm: "@vmforge/plugin-qemu-setup",
  cpu: "@vmforge/plugin-qemu-setup",
  memory: "@vmforge/plugin-qemu-setup",
  firmware: "@vmforge/plugin-qemu-setup",
  disk: "@vmforge/plugin-qemu-setup",
  network: "@vmforge/plugin-qemu-setup",
  passthrough: "@vmforge/plugin-qemu-setup",
  cdrom: "@vmforge/plugin-qemu-setup",
  display: "@vmforge/plugin-qemu-setup",
  usb: "@vmforge/plugin-qemu-setup",
  output: "@vmforge/plugin-qemu-setup",
  looking_glass: "@vmforge/plugin-qemu-setup",
  input: "@vmforge/plugin-qemu-setup",
  linux: "@vmforge/plugin-linux-setup",
  kubevirt: "@vmforge/plugin-kubevirt",
};

/** The package that reads a VM description's `[vm]`: named when nothing reads the file at all. */
export const REQUEST_READER = FIRST_PARTY_TABLES.vm!;
