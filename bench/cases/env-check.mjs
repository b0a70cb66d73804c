// `vmforge check --json`: median cold wall time against `node -e 0` (target: under 2x), and
// against `virt-host-validate qemu` where libvirt's validator is installed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasCommand, report, timeCommand } from "../lib.mjs";

export async function run({ root, nodeBaseline, cli }) {
  const dataHome = mkdtempSync(join(tmpdir(), "vmforge-bench-"));
  const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: dataHome };
  try {
    // Exit 3 means "this host cannot run KVM guests": a correct answer here (no /dev/kvm in CI VMs).
    const check = timeCommand(process.execPath, [cli, "check", "--json"], { cwd: root, env, okCodes: [0, 3] });
    const ratio = report("vmforge check --json", check, "node -e 0", nodeBaseline);
    console.log(`  target under 2x node -e 0: ${ratio < 2 ? "met" : "NOT met"}`);
    if (hasCommand("virt-host-validate")) {
      // It exits 1 or 2 when a check fails or warns, which is the usual case on a VM.
      const validator = timeCommand("virt-host-validate", ["qemu"], { cwd: root, okCodes: [0, 1, 2] });
      report("vmforge check --json", check, "virt-host-validate qemu", validator);
    } else {
      console.log("  virt-host-validate not installed: no comparison");
    }
  } finally {
    rmSync(dataHome, { recursive: true, force: true });
  }
}
