import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { readdirSync, readFileSync, readlinkSync, lstatSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { examplesDir, hasTool, repoRoot } from "@vmforge/test-support";
import { cliBin, tempRoot } from "./project-fixture.js";

const exampleHost = join(examplesDir, "hosts", "z370-gt1030");
const examples = readdirSync(examplesDir).filter((name) => name.endsWith(".toml"));

/** Every file and link below a folder with its content or target. */
function treeOf(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) entries[relative(dir, path)] = `-> ${readlinkSync(path)}`;
    else if (stat.isFile()) entries[relative(dir, path)] = readFileSync(path, "utf8");
  }
  return entries;
}

describe("every bundled example, planned by the real CLI with every first-party plugin", () => {
  it.each(examples)("%s plans against the example host, and its domain.xml is valid", async (example) => {
    const { root } = tempRoot("example");
    const out = join(root, "out");
    const env = { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config") };
    const result = await execa("node", [cliBin, "plan", join(examplesDir, example), "--host-root", exampleHost, "--out", out, "--with", "qemu_setup:generate_libvirt_xml", "--json"], { cwd: repoRoot, env, reject: false });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const files = readdirSync(out);
    expect(files).toEqual(expect.arrayContaining(["vm-definition.json", "qemu-command.json", "launch.sh", "domain.xml", "plan.json"]));
    const definition = JSON.parse(readFileSync(join(out, "vm-definition.json"), "utf8")) as { accelerator: { type: string }; hostDevices: Array<{ address: string }>; guest: string };
    expect(definition.accelerator.type).toBe("kvm");
    if (example === "gpu-passthrough.toml") expect(definition.hostDevices.map((device) => device.address)).toEqual(["0000:01:00.0", "0000:01:00.1"]);
    if (definition.guest === "linux") expect(files).toEqual(expect.arrayContaining(["seed.iso", "cloud-init"]));
    if (hasTool("virt-xml-validate")) {
      const validation = await execa("virt-xml-validate", [join(out, "domain.xml"), "domain"], { reject: false });
      expect(validation.stderr + validation.stdout).toContain("validates");
      expect(validation.exitCode).toBe(0);
    }
  });

  it("the example host is what scripts/make-example-host.ts makes from the capture", async () => {
    const { root } = tempRoot("example-host");
    const copy = join(root, "z370-gt1030");
    await execa("node", ["--conditions=source", "--import", "tsx", join(repoRoot, "scripts", "make-example-host.ts"), copy], { cwd: repoRoot });
    expect(treeOf(copy)).toEqual(treeOf(exampleHost));
  });

  it("a bad VM description fails before the first stage, with every problem located", async () => {
    const { root } = tempRoot("bad-config");
    const config = join(root, "bad.toml");
    writeFileSync(config, '[vm]\nname = "Bad Name"\n[memroy]\nsize = "2GiB"\n');
    const result = await execa("node", [cliBin, "plan", config, "--json-lines"], { cwd: repoRoot, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).not.toContain("stage-start");
    // The run's rule (a table nobody owns) and the plugin's (a bad name) are reported together.
    expect(result.stderr).toContain("error[E_PREFLIGHT]: Preflight found 2 problems.");
    expect(result.stderr).toContain(`${config}:3:1  memroy: unknown table [memroy]; did you mean [memory]?`);
    expect(result.stderr).toContain(`${config}:2:1  vm.name:`);
  });
});
