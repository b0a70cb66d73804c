// `vmforge plugins` and `vmforge plan` of the bundled example on the bundled host snapshot: median cold wall time against `node -e 0`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { report, timeCommand } from "../lib.mjs";

export async function run({ root, nodeBaseline, cli }) {
  const dataHome = mkdtempSync(join(tmpdir(), "vmforge-bench-"));
  const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: dataHome };
  try {
    report("vmforge plugins", timeCommand(process.execPath, [cli, "plugins", "--json"], { cwd: root, env }), "node -e 0", nodeBaseline);
    // Against the bundled host snapshot, so every machine does the whole plan (this one may lack KVM or OVMF).
    const plan = [cli, "plan", "examples/web-1.toml", "--host-root", "examples/hosts/z370-gt1030", "--out", join(dataHome, "out"), "--json"];
    report("vmforge plan examples/web-1.toml --host-root (example host)", timeCommand(process.execPath, plan, { cwd: root, env }), "node -e 0", nodeBaseline);
  } finally {
    rmSync(dataHome, { recursive: true, force: true });
  }
}
