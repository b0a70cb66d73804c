/**
 * Stable codes of this plugin's errors and warnings (listed in the README). A code never
 * changes meaning; new ones are added.
 */
export const VfioCode = {
  /** Several problems at once; each is in `problems` with its own code. */
  planBlocked: "E_VFIO_PLAN_BLOCKED",
  iommuOff: "E_VFIO_IOMMU_OFF",
  deviceNotFound: "E_VFIO_DEVICE_NOT_FOUND",
  idsAmbiguous: "E_VFIO_IDS_AMBIGUOUS",
  bridgeRequested: "E_VFIO_BRIDGE_REQUESTED",
  noGroup: "E_VFIO_NO_GROUP",
  groupBlocked: "E_VFIO_GROUP_BLOCKED",
  hostGpu: "E_VFIO_HOST_GPU",
  moduleMissing: "E_VFIO_MODULE_MISSING",
  noReset: "E_VFIO_NO_RESET",
  romNotFound: "E_VFIO_ROM_NOT_FOUND",
  bindFailed: "E_VFIO_BIND_FAILED",
  writeRefused: "E_VFIO_WRITE_REFUSED",
  undoUsage: "E_VFIO_UNDO_USAGE",
  undoNoJournal: "E_VFIO_UNDO_NO_JOURNAL",
  undoJournalInvalid: "E_VFIO_UNDO_JOURNAL_INVALID",
  undoJournalUnsafe: "E_VFIO_UNDO_JOURNAL_UNSAFE",
  undoJournalRefused: "E_VFIO_UNDO_JOURNAL_REFUSED",
  undoHostMismatch: "E_VFIO_UNDO_HOST_MISMATCH",
  undoFailed: "E_VFIO_UNDO_FAILED",
  hookName: "E_VFIO_HOOK_NAME",
} as const;

export const VfioWarning = {
  acsOverride: "W_VFIO_ACS_OVERRIDE",
  noAudio: "W_VFIO_NO_AUDIO",
  numaMismatch: "W_VFIO_NUMA_MISMATCH",
  hostGpuAllowed: "W_VFIO_HOST_GPU",
  groupMembers: "W_VFIO_GROUP_MEMBERS",
  moduleNotLoaded: "W_VFIO_MODULE_NOT_LOADED",
  moduleUnknown: "W_VFIO_MODULE_UNKNOWN",
  resetUnknown: "W_VFIO_RESET_UNKNOWN",
  busResetOnly: "W_VFIO_BUS_RESET_ONLY",
  idsAmbiguousAtBoot: "W_VFIO_BOOT_IDS_AMBIGUOUS",
  hooksNotInstalled: "W_VFIO_HOOKS_NOT_INSTALLED",
} as const;
