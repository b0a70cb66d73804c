import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "./support/cli.js";

/** What start, status, stop and console refuse before anything runs: exit 2, a code, a fix. */
describe("refusals before anything runs", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create();
    await sandbox.useFakeQemu();
  });

  it.each(["start", "status", "stop", "console"])("%s of a VM that was never applied names the data home and the fix", async (command) => {
    const result = await sandbox.vmforge([command, "ghost"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error[E_LIFECYCLE_NO_VM]: There is no VM named ghost: ${join(sandbox.runDir("ghost"), "vm-definition.json")} does not exist.`);
    expect(result.stderr).toContain("Run `vmforge apply FILE.toml` for ghost first");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a plan --out folder is only planned: start --dir refuses it, naming the images that were never made", async () => {
    const out = join(sandbox.root, "planned");
    await sandbox.apply("planned", { disk: true }, "plan", out);
    const result = await sandbox.vmforge(["start", "--dir", out, "--json"]);
    expect(result.exitCode).toBe(2);
    const error = (JSON.parse(result.stdout) as { error: Record<string, string> }).error;
    expect(error.code).toBe("E_LIFECYCLE_PLANNED_ONLY");
    expect(error.message).toContain(`planned was planned but never applied: ${join(out, "disk0.qcow2")} does not exist.`);
    expect(error.fix).toContain(`--out ${out}`);
  });

  it("--dir with another VM's name, a folder moved away from where it was applied, a definition that is not one", async () => {
    const out = join(sandbox.root, "named");
    await sandbox.apply("named", {}, "plan", out);
    const other = await sandbox.vmforge(["status", "other", "--dir", out]);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain("defines the VM named, not other");

    const definitionPath = join(out, "vm-definition.json");
    const definition = JSON.parse(readFileSync(definitionPath, "utf8")) as Record<string, unknown>;
    writeFileSync(definitionPath, JSON.stringify({ ...definition, runDir: "/somewhere/else" }));
    const moved = await sandbox.vmforge(["start", "--dir", out]);
    expect(moved.exitCode).toBe(2);
    expect(moved.stderr).toContain("E_LIFECYCLE_FOLDER_MOVED");

    writeFileSync(definitionPath, JSON.stringify({ ...definition, qmpSocket: 42 }));
    const invalid = await sandbox.vmforge(["status", "--dir", out]);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain("E_LIFECYCLE_DEFINITION_INVALID");
    expect(invalid.stderr).toContain("qmpSocket");

    writeFileSync(definitionPath, "{ not json");
    expect((await sandbox.vmforge(["status", "--dir", out])).stderr).toContain("is not JSON");
  });

  it("a definition from before the serial log (console on stdio) is refused with the way out", async () => {
    await sandbox.apply("older");
    const path = join(sandbox.runDir("older"), "vm-definition.json");
    const definition = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...definition, serial: { type: "stdio", path: null } }));
    const result = await sandbox.vmforge(["start", "older"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_LIFECYCLE_OLD_DEFINITION");
    expect(result.stderr).toContain("vmforge apply FILE.toml` for older again");
  });

  it("--libvirt without a domain.xml says how to get one", async () => {
    await sandbox.apply("no-xml");
    const result = await sandbox.vmforge(["start", "no-xml", "--libvirt"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_LIFECYCLE_NO_DOMAIN_XML");
    expect(result.stderr).toContain("libvirt_xml = true");
  });
});
