import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { parse } from "yaml";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { exampleHost, kubevirtToml, type VirtualMachine } from "./support/plan.js";
import { validateVirtualMachine } from "./support/kubevirt-schema.js";

/** The built CLI of this checkout (`pnpm build` first), run from the repository: every first-party plugin is installed. */
const cliBin = join(repoRoot, "packages", "cli", "dist", "bin.js");

async function vmforge(args: string[]) {
  const root = await mkdtemp(join(tmpdir(), "vmforge-kubevirt-cli-"));
  const env = { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config"), VMFORGE_OFFLINE: "1" };
  const out = join(root, "out");
  const result = await execa("node", [cliBin, ...args.map((arg) => (arg === "OUT" ? out : arg))], { cwd: repoRoot, env, reject: false });
  return { ...result, out, root };
}

describe("vmforge plan with [output] kubevirt = true, through the built CLI", () => {
  it("the built CLI is there (run `pnpm build` first)", () => {
    expect(existsSync(cliBin), `${cliBin} is missing: run pnpm build`).toBe(true);
  });

  it("writes kubevirt-vm.yaml under --out beside the other artifacts, valid against KubeVirt's schema", async () => {
    const config = await kubevirtToml(join(examplesDir, "web-1.toml"));
    const result = await vmforge(["plan", config, "--host-root", exampleHost, "--out", "OUT", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(readdirSync(result.out)).toEqual(expect.arrayContaining(["kubevirt-vm.yaml", "vm-definition.json", "cloud-init", "seed.iso"]));
    expect(readdirSync(result.out)).not.toContain("kubevirt-secret.yaml");
    // Nothing outside --out but the data folders the test gave.
    expect(readdirSync(result.root).sort()).toEqual(expect.arrayContaining(["out"]));
    const vm = parse(readFileSync(join(result.out, "kubevirt-vm.yaml"), "utf8")) as VirtualMachine;
    const validation = validateVirtualMachine(vm);
    expect(validation.ok, validation.errors).toBe(true);
    const cloudInit = vm.spec.template.spec.volumes.find((volume) => volume.cloudInitNoCloud)!.cloudInitNoCloud!;
    expect(cloudInit.userData).toBe(readFileSync(join(result.out, "cloud-init", "user-data"), "utf8"));
    expect(result.stdout).toContain("kubevirt:generate_kubevirt_vm");
  });

  it("--with kubevirt:generate_kubevirt_vm writes it for a TOML that does not ask, here the GPU example", async () => {
    const result = await vmforge(["plan", join(examplesDir, "gpu-passthrough.toml"), "--host-root", exampleHost, "--out", "OUT", "--with", "kubevirt:generate_kubevirt_vm"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const vm = parse(readFileSync(join(result.out, "kubevirt-vm.yaml"), "utf8")) as VirtualMachine;
    expect(vm.spec.template.spec.domain.devices.gpus).toEqual([{ name: "gpu0", deviceName: "nvidia.com/GP108_GeForce_GT_1030" }]);
    expect(result.stderr + result.stdout).toContain("disk[0].bus: KubeVirt has no NVMe disk bus");
  });

  it("a claim name Kubernetes would refuse: exit 2, file:line and the key, no stack trace", async () => {
    const config = await kubevirtToml(join(examplesDir, "web-1.toml"), (text) => `${text}\n[output]\nkubevirt = true\n\n[kubevirt.claims]\ndisk0 = "Root Disk"\n`);
    const line = readFileSync(config, "utf8").split("\n").findIndex((text) => text.startsWith("disk0 = ")) + 1;
    const result = await vmforge(["plan", config, "--host-root", exampleHost, "--out", "OUT"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${config}:${line}`);
    expect(result.stderr).toContain("kubevirt.claims.disk0");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(result.out, "kubevirt-vm.yaml"))).toBe(false);
  });
});
