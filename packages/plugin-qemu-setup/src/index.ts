export { plugin } from "./plugin.js";
export * from "./contract.js";
export { vmTemplateToml, vmTemplatePath } from "./template.js";
export { runFolderClashes, type GuestFile } from "./run-folder-clashes.js";
export { locateTomlKey } from "./guest-kit/locate.js";
export { hostInstallTarget } from "./host-install.js";
export { shellQuote } from "./launch-script.js";
