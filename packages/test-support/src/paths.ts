import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** `../shared/fixtures` beside the checkout (read-only captures from real machines). */
export const fixturesDir = join(repoRoot, "..", "shared", "fixtures");
export const fixtureHostsDir = join(fixturesDir, "hosts");
export const referenceDir = join(fixturesDir, "reference");
export const examplesDir = join(repoRoot, "examples");
