import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { examplesDir, repoRoot } from "@vmforge/test-support";

/** The built CLI (`pnpm build` first), with every first-party plugin of the repository. */
export const cliBin = join(repoRoot, "packages", "cli", "dist", "bin.js");
/** A real host's snapshot: the CLI tests never depend on the machine they run on. */
export const exampleHost = join(examplesDir, "hosts", "z370-gt1030");

/**
 * `vmforge <args> --host-root <example host>` with fresh data and config folders; a hang
 * fails the test after `timeoutMs` instead of stalling the suite.
 */
export async function vmforge(args: string[], timeoutMs = 20_000) {
  const home = await mkdtemp(join(tmpdir(), "vmforge-qemu-cli-"));
  return execa("node", [cliBin, ...args, "--host-root", exampleHost], {
    cwd: repoRoot,
    env: { VMFORGE_DATA_HOME: join(home, "data"), VMFORGE_CONFIG_HOME: join(home, "config"), NO_COLOR: "1" },
    reject: false,
    timeout: timeoutMs,
  });
}
