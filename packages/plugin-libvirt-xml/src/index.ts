export * from "./contract.js";
export { plugin } from "./plugin.js";
export { LibvirtXmlErrorCode } from "./errors.js";
