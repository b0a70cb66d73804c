export { hasTool } from "./tools.js";
export { repoRoot, fixturesDir, fixtureHostsDir, referenceDir, examplesDir } from "./paths.js";
