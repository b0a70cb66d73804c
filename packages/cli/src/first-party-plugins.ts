/**
 * The first-party plugin packages, as the `vmforge` bundle lists them. Only for a did-you-mean
 * when `vmforge plugins add` is given a short name (`env-check`); discovery never uses it.
 */
export const FIRST_PARTY_PLUGINS: readonly string[] = [
  "@vmforge/plugin-env-check",
  "@vmforge/plugin-qemu-setup",
  "@vmforge/plugin-vfio-configurator",
  "@vmforge/plugin-libvirt-xml",
  "@vmforge/plugin-kubevirt",
  "@vmforge/plugin-linux-setup",
  "@vmforge/plugin-recovery",
  "@vmforge/plugin-lifecycle",
];
