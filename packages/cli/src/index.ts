export { main } from "./main.js";
export { exitQuietlyOnClosedPipe } from "./closed-pipe.js";
export { findPlugins, loadPlugins, pluginSources, isPluginPackageName, type FoundPlugin, type PluginSource, type SourceLocations } from "./discovery.js";
export type { Io } from "./runtime.js";
export { requestOwnersCheck } from "./request-owners.js";
