/** Tables the design gives to first-party plugins: an unknown one of these names its package. */
export const KNOWN_TABLE_OWNERS: Readonly<Record<string, string>> = {
  linux: "@vmforge/plugin-linux-setup",
  kubevirt: "@vmforge/plugin-kubevirt",
};
