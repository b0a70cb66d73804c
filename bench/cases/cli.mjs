// `vmforge plugins` and `vmforge plan` on the bundled example: median cold wall time against `node -e 0`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { report, timeCommand } from "../lib.mjs";

export async function run({ root, nodeBaseline, cli }) {
  const dataHome = mkdtempSync(join(tmpdir(), "vmforge-bench-"));
  const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: dataHome };
  try {
    report("vmforge plugins", timeCommand(process.execPath, [cli, "plugins", "--json"], { cwd: root, env }), "node -e 0", nodeBaseline);
    report("vmforge plan examples/web-1.toml", timeCommand(process.execPath, [cli, "plan", "examples/web-1.toml", "--json"], { cwd: root, env, okCodes: [0, 3] }), "node -e 0", nodeBaseline);
  } finally {
    rmSync(dataHome, { recursive: true, force: true });
  }
}
