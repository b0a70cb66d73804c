export * from "./contract.js";
export { plugin } from "./plugin.js";
export { kubevirtTableSchema, type KubevirtTable } from "./config-schema.js";
export { KubevirtErrorCode, KubevirtWarningCode } from "./errors.js";
export { pciResourceName } from "./manifest/resource-name.js";
