import { spawnSync } from "node:child_process";

/**
 * Tests that run a real validator (qemu, virt-xml-validate, isoinfo, cloud-init...) use this.
 * Locally a missing tool skips the test; under CI (`CI=true`, where `.ci/run` installs the
 * tools) a missing tool fails it, so a broken install step cannot pass silently.
 */
export function hasTool(name: string): boolean {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
  if (!found && process.env.CI) throw new Error(`${name} is required under CI; .ci/run must install it`);
  return found;
}
