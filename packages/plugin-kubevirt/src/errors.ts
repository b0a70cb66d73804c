/** Stable codes of this plugin (documented in the README). */
export const KubevirtErrorCode = {
  /** [kubevirt.claims] names a disk the VM does not have. */
  unknownDisk: "E_KUBEVIRT_UNKNOWN_DISK",
} as const;

/** Warning codes. */
export const KubevirtWarningCode = {
  /** A key of the VM description KubeVirt cannot express; the YAML leaves it out or approximates it. */
  inexpressible: "W_KUBEVIRT_INEXPRESSIBLE",
} as const;
