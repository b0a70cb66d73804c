export { plugin } from "./plugin.js";
export * from "./contract.js";
export { vmTemplateToml, vmTemplatePath } from "./template.js";
