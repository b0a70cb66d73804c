export * from "./contract.js";
export { plugin } from "./plugin.js";
