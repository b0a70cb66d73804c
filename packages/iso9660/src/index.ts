export { buildIso, describeIsoNames, type IsoEntryNames } from "./build-iso.js";
export type { BuildIsoOptions } from "./options.js";
export type { IsoFileInput, IsoDirectoryInput } from "./tree.js";
export type { InterchangeLevel } from "./names.js";
export { IsoError, type IsoErrorCode } from "./errors.js";
