import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { repoRoot } from "@vmforge/test-support";

declare module "vitest" {
  export interface ProvidedContext {
    /** A folder with every published package's tarball and packs.json ([{ name, version, folder, tarball }]). */
    packsDir: string;
  }
}

/** One pack of the built packages for every e2e test; removed at the end. */
export default function setup(project: TestProject): () => void {
  const packsDir = mkdtempSync(join(tmpdir(), "vmforge-e2e-packs-"));
  execFileSync(process.execPath, [join(repoRoot, "scripts", "pack-all.mjs"), "--out", packsDir], { stdio: "pipe" });
  project.provide("packsDir", packsDir);
  return () => rmSync(packsDir, { recursive: true, force: true });
}
