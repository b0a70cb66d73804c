export * from "./contract.js";
export { plugin } from "./plugin.js";
export { usableUefiDescriptors } from "./host/firmware-descriptors.js";
export { saveSnapshot, type SaveSnapshotOptions, type SnapshotSummary } from "./snapshot/save-snapshot.js";
export { gatherEnvironment } from "./gather-environment.js";
export { buildHostReport } from "./verdicts/host-report.js";
export { kvmChecks, kvmUnfitReasons } from "./verdicts/kvm-checks.js";
export { renderHostReport } from "./verdicts/render-report.js";
export { expectsAudioFunction, hasDisplayOutputs, hostDisplayRole, hostScreens, isBridge, isDisplay, isHostNeeded, isReleased, isVgaCompatible, slotOf } from "./verdicts/device-roles.js";
