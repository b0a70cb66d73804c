export { ExitCode, VmforgeError, appendFix, attributeToStage, isVmforgeError, problemsError, stageOf, type Problem, type StageAttribution, type VmforgeErrorOptions } from "./errors.js";
export {
  defineSessionKey,
  defineCollectionKey,
  formatIssues,
  SessionStore,
  type SessionKey,
  type CollectionKey,
  type AnySessionKey,
  type SessionEntry,
  type SessionKeyOptions,
  type SchemaLike,
  type SchemaIssue,
} from "./session.js";
export {
  definePlugin,
  packageInfo,
  normalizeRead,
  type Plugin,
  type PluginManifest,
  type StageDeclaration,
  type StageModule,
  type SessionRead,
  type ConfigDeclaration,
  type PluginCommand,
  type PluginFlag,
  type CommandModule,
  type CommandContext,
  type WorkflowRequest,
} from "./manifest.js";
export { KERNEL_API, MIN_KERNEL_API, kernelApiOf, supportsKernelApi, kernelVersion } from "./kernel-api.js";
export { buildStageGraph, type IgnoredProblem, type StageGraph, type OrderedStage, type StageEdge, type StageSelection, type GraphStage } from "./stage-graph.js";
export { StageManager, type StageHook, type StageHookInfo, type StageOutcome, type StageStatus } from "./stage-manager.js";
export type { StageContext, PreflightContext, PluginSetupApi, RunInput, SessionView } from "./stage-context.js";
export {
  EffectLog,
  Effects,
  runProgram,
  remoteSysfsRefusal,
  RUN_ID_VARIABLE,
  type EffectRecord,
  type EffectKind,
  type EffectStatus,
  type EffectEvent,
  type EffectObserver,
  type RunResult,
  type WriteFileOptions,
  type DownloadRequest,
} from "./effects.js";
export { localTarget, type EffectTarget, type HostEntryKind, type TargetWriteOptions } from "./effect-target.js";
export type { ProgramOptions } from "./run-program.js";
export { InputLog, fingerprintFile, sameFingerprint, describeFingerprint, WHOLE_HASH_LIMIT, type InputRecord, type FileFingerprint } from "./input-log.js";
export {
  interruptedError,
  stopSignalOf,
  type ResumeState,
  type RunStartInfo,
  type RunEndInfo,
  type RunStartHook,
  type RunEndHook,
  type RunOutcome,
  type StopSignal,
} from "./run-hooks.js";
export { ArtifactStore, type Artifact } from "./artifacts.js";
export { UIManager, StageUi, type ProgressUnit, type ProgressOptions, type ProgressUpdater, type UiMessage, type UiEnvelope, type UiMessageType, type UIBridge } from "./ui.js";
export { EventManager, type VmforgeEvents, type EventName, type EventPayload, type EventHandler } from "./events.js";
export { StorageManager } from "./storage.js";
export { HostRoot, type HostReadKind, type HostRootOptions, type HostSource } from "./host-root.js";
export { ownershipProblem, readPrivateFile, PrivateFileRefused, type OwnershipOptions } from "./private-file.js";
export { readBoundedFile, readBoundedText, describeFileType, formatBytes, FileReadError, ReadLimits, type BoundedReadOptions, type FileReadFault } from "./bounded-read.js";
export { writeFileAtomic, removeFileDurably, syncFolder } from "./atomic-write.js";
export { didYouMean, editDistance } from "./did-you-mean.js";
export { problemsFromIssues, formatKeyPath, type SourceLocation } from "./config-problems.js";
export { Kernel, type KernelOptions, type RunCheck, type RunOptions, type RunReport } from "./kernel.js";
