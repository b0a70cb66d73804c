export { plugin } from "./plugin.js";
export { CHECKPOINT_SCHEMA_VERSION, type Checkpoint, type SavedSessionEntry } from "./checkpoint.js";
export { RecoveryCode } from "./error-codes.js";
export type { LockOwner } from "./lock-file.js";
