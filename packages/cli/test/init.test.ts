import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { cliBin, tempRoot } from "./project-fixture.js";

describe("vmforge init with the first-party plugins", () => {
  const { root } = tempRoot("init");
  const env = { VMFORGE_CONFIG_HOME: join(root, "config"), VMFORGE_DATA_HOME: join(root, "data") };
  const template = join(root, "config", "vm.toml");

  it("writes a template joined in pipeline order that plans as it is", async () => {
    const result = await execa("node", [cliBin, "init", "--json", "--project", repoRoot], { env });
    expect(JSON.parse(result.stdout)).toMatchObject({ template, written: true });
    const text = readFileSync(template, "utf8");
    const tables = [...text.matchAll(/^\[+([a-z.]+)\]+/gm)].map((match) => match[1]);
    expect(tables[0]).toBe("vm");
    expect(tables.indexOf("linux")).toBeGreaterThan(tables.indexOf("output"));
    // Against the bundled snapshot of a real host: the template asks for UEFI, which this machine need not have.
    const plan = await execa("node", [cliBin, "plan", template, "--json", "--project", repoRoot, "--host-root", join(examplesDir, "hosts", "z370-gt1030")], { env, reject: false });
    expect(plan.exitCode).toBe(0);
    expect((JSON.parse(plan.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it("never overwrites an edited template without --force", async () => {
    writeFileSync(template, "# mine\n");
    const kept = await execa("node", [cliBin, "init", "--project", repoRoot], { env });
    expect(kept.stdout).toContain("kept");
    expect(readFileSync(template, "utf8")).toBe("# mine\n");
    await execa("node", [cliBin, "init", "--force", "--project", repoRoot], { env });
    expect(readFileSync(template, "utf8")).toContain("[vm]");
  });

  it("says which plugin to install when none provides a template", async () => {
    const { root: empty } = tempRoot("init-empty");
    writeFileSync(join(empty, "package.json"), "{}");
    const result = await execa("node", [cliBin, "init"], { cwd: empty, env, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_NO_TEMPLATE");
    expect(result.stderr).toContain("@vmforge/plugin-qemu-setup");
  });
});
