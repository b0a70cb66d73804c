export { plugin } from "./plugin.js";
export * from "./contract.js";
export { linuxTableSchema, linuxUserSchema, type LinuxTable, type LinuxUserTable } from "./config-schema.js";
export { networkConfigV2Schema, type NetworkConfigV2 } from "./network-config-schema.js";
export { LinuxErrorCode } from "./errors.js";
