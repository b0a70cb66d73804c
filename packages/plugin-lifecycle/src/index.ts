export { plugin } from "./plugin.js";
export { QmpClient, QmpCommandError, QmpConnectionError, type QmpEvent } from "./qmp-client.js";
export { judgeConsole, FAILURE_PATTERNS, READY_PATTERN, type ConsoleVerdict } from "./console-readiness.js";
export { LifecycleCode } from "./error-codes.js";
