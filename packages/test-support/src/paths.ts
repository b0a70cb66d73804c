import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** The repository's `fixtures/`: captures of real machines and reference outputs (see its README). */
export const fixturesDir = join(repoRoot, "fixtures");
export const fixtureHostsDir = join(fixturesDir, "hosts");
export const referenceDir = join(fixturesDir, "reference");
export const examplesDir = join(repoRoot, "examples");
