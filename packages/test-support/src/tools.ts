import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it, type TestFunction } from "vitest";

/** Something a test needs from the machine, and the one line that says why it skips without it. */
export interface Requirement {
  met: boolean;
  reason: string;
}

/**
 * Tests that run a real validator (qemu, virt-xml-validate, isoinfo, cloud-init...) or need its
 * data (OVMF) use these. Locally a missing requirement skips the test with its reason; under CI
 * (`CI=true`, where `.ci/run` installs everything) it fails, so a broken install step cannot
 * pass silently.
 */
export function tool(name: string, debianPackage?: string): Requirement {
  const met = spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
  return required(met, `${name} is not installed${debianPackage ? ` (Debian: ${debianPackage})` : ""}`);
}

export function file(path: string, what: string, debianPackage?: string): Requirement {
  return required(existsSync(path), `${what} is not installed (no ${path}${debianPackage ? `; Debian: ${debianPackage}` : ""})`);
}

/** Any other condition of the machine, with the reason it gives when it is not met. */
export function requirement(met: boolean, reason: string): Requirement {
  return required(met, reason);
}

/** OVMF as Debian installs it, for tests that boot a UEFI guest in the real QEMU. */
export function ovmf(): Requirement {
  return file("/usr/share/OVMF/OVMF_CODE_4M.fd", "OVMF (UEFI firmware for guests)", "ovmf");
}

/** All of them: met when each is, with every missing one's reason. */
export function all(...requirements: Requirement[]): Requirement {
  const missing = requirements.filter((requirement) => !requirement.met);
  return { met: missing.length === 0, reason: missing.map((requirement) => requirement.reason).join("; ") };
}

function required(met: boolean, reason: string): Requirement {
  if (!met && process.env.CI) throw new Error(`${reason}: required under CI; .ci/run must install it`);
  return { met, reason };
}

/** `it` when the requirement is met; otherwise a test that skips and says why. */
export function itWhen(requirement: Requirement): (name: string, fn: TestFunction, timeout?: number) => void {
  return (name, fn, timeout) => (requirement.met ? it(name, fn, timeout) : it(name, (context) => context.skip(requirement.reason)));
}

/**
 * `describe` when the requirement is met; otherwise the group is one test that skips and says
 * why (its tests and hooks are not even collected: they would run the missing tool).
 */
export function describeWhen(requirement: Requirement): (name: string, fn: () => void) => void {
  return (name, fn) => (requirement.met ? describe(name, fn) : describe(name, () => it("every test of this group", (context) => context.skip(requirement.reason))));
}

/** Whether a tool is installed (a requirement's `met`). */
export function hasTool(name: string): boolean {
  return tool(name).met;
}
