export { plugin } from "./plugin.js";
export * from "./contract.js";
export { windowsTableSchema, type WindowsTable } from "./config-schema.js";
export { renderAutounattend, type AnswerFileInput } from "./autounattend.js";
export { EDITIONS, type Edition } from "./editions.js";
export { WINDOWS_LANGUAGES } from "./languages.js";
export { WINDOWS_TIME_ZONES } from "./time-zones.js";
