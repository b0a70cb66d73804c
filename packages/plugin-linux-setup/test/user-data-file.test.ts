import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeWhen, tool } from "@vmforge/test-support";
import { cloudInitUserDataKey } from "../src/contract.js";
import { toCloudYaml } from "../src/cloud-yaml.js";
import { mergeCloudConfig } from "../src/merge-cloud-config.js";
import { parseUserDataFile } from "../src/user-data-file.js";
import { linuxStagesError, runLinuxStages } from "./support/run-linux-stages.js";
import { userVmRequest, vmDefinition } from "./support/session-values.js";
import { canonicalJson, cloudInitSchema, pyYamlLoad, tempDir } from "./support/tools.js";

const realTools = tool("cloud-init", "cloud-init");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";

/** Runs the stages with `user_data_file = "extra.yaml"` holding `text`. */
async function withUserData(text: string, linux: Record<string, unknown> = {}) {
  const dir = await tempDir();
  await writeFile(join(dir, "extra.yaml"), text);
  const tomlPath = join(dir, "vm.toml");
  const tomlText = '[linux]\nuser_data_file = "extra.yaml"\n';
  await writeFile(tomlPath, tomlText);
  return { dir, options: { request: userVmRequest({ linux: { ...linux, user_data_file: "extra.yaml" }, tomlPath, tomlText }), definition: vmDefinition() } };
}

describe("merging user_data_file", () => {
  it("mappings merge, lists append after ours, new keys are taken, equal values kept once", () => {
    const { merged, conflicts } = mergeCloudConfig(
      { hostname: "web-1", packages: ["nginx"], users: [{ name: "dev" }], manage_etc_hosts: true },
      { packages: ["curl"], users: ["default"], manage_etc_hosts: true, write_files: [{ path: "/etc/x", content: "y" }], apt: { proxy: "http://p" } },
    );
    expect(conflicts).toEqual([]);
    expect(merged).toEqual({
      hostname: "web-1",
      packages: ["nginx", "curl"],
      users: [{ name: "dev" }, "default"],
      manage_etc_hosts: true,
      write_files: [{ path: "/etc/x", content: "y" }],
      apt: { proxy: "http://p" },
    });
    expect(mergeCloudConfig({ apt: { a: 1 } }, { apt: { b: 2 } }).merged).toEqual({ apt: { a: 1, b: 2 } });
  });

  it("two different values for one key are a conflict, never a silent winner", () => {
    expect(mergeCloudConfig({ hostname: "a", packages: ["x"] }, { hostname: "b", packages: "y" }).conflicts).toEqual([
      { path: ["hostname"], ours: "a", theirs: "b" },
      { path: ["packages"], ours: ["x"], theirs: "y" },
    ]);
  });

  it("through the stages: the user's keys join ours in one #cloud-config that cloud-init accepts", async () => {
    const extra = "#cloud-config\npackages: [curl]\nwrite_files:\n  - path: /etc/motd\n    content: |\n      hello: world # not a comment\n    permissions: '0644'\nruncmd:\n  - [touch, /var/tmp/done]\n";
    const { options } = await withUserData(extra, { packages: ["nginx"], runcmd: [["systemctl", "enable", "--now", "nginx"]], users: [{ name: "dev", ssh_authorized_keys: [KEY] }] });
    const { kernel } = await runLinuxStages(options);
    const userData = kernel.session.get(cloudInitUserDataKey)!.userData;
    expect(parse(userData, { version: "1.1" })).toMatchObject({
      hostname: "web-1",
      packages: ["nginx", "curl"],
      runcmd: [["systemctl", "enable", "--now", "nginx"], ["touch", "/var/tmp/done"]],
      write_files: [{ path: "/etc/motd", content: "hello: world # not a comment\n", permissions: "0644" }],
    });
    if (realTools.met) {
      expect((await cloudInitSchema(userData)).ok).toBe(true);
      const [read] = await pyYamlLoad([userData]);
      expect((read as { value: any }).value.write_files[0].permissions).toBe("0644");
    }
  });

  it("a conflict names the file and the line of the key", async () => {
    const { dir, options } = await withUserData("#cloud-config\npackages: [curl]\nhostname: other\n");
    const error = await linuxStagesError(options);
    expect(error).toMatchObject({ code: "E_LINUX_USER_DATA_CONFLICT", exitCode: 2 });
    expect(error.problems[0]).toMatchObject({ file: join(dir, "extra.yaml"), line: 3, keyPath: "hostname" });
  });
});

describe("a user_data_file that cannot be used", () => {
  it("invalid YAML: E_LINUX_USER_DATA_SYNTAX with the file and line, exit 2", async () => {
    const { dir, options } = await withUserData("#cloud-config\npackages:\n  - curl\n runcmd: [a\n");
    const error = await linuxStagesError(options);
    expect(error).toMatchObject({ code: "E_LINUX_USER_DATA_SYNTAX", exitCode: 2 });
    expect(error.problems[0]).toMatchObject({ file: join(dir, "extra.yaml"), line: expect.any(Number) });
    expect(error.problems[0]!.line).toBeGreaterThanOrEqual(4);
    expect(error.message).toContain(`${join(dir, "extra.yaml")}:${error.problems[0]!.line}`);
  });

  it("a duplicate key is an error at its line", () => {
    const result = parseUserDataFile("/x.yaml", "#cloud-config\na: 1\nb: 2\na: 3\n");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ code: "E_LINUX_USER_DATA_SYNTAX", line: 4 });
  });

  it("a missing file names the TOML line", async () => {
    const dir = await tempDir();
    const tomlText = '[linux]\nuser_data_file = "nope.yaml"\n';
    const error = await linuxStagesError({ request: userVmRequest({ linux: { user_data_file: "nope.yaml" }, tomlPath: join(dir, "vm.toml"), tomlText }), definition: vmDefinition() });
    expect(error).toMatchObject({ code: "E_LINUX_USER_DATA_MISSING", exitCode: 2 });
    expect(error.problems[0]).toMatchObject({ line: 2, keyPath: "linux.user_data_file" });
  });

  it.each([
    ["#!/bin/sh\necho hi\n", "a shell script"],
    ["Content-Type: multipart/mixed; boundary=x\n", "MIME"],
    ["## template: jinja\n#cloud-config\n", "Jinja"],
    ["#include\nhttp://example.com/x\n", "#include"],
    ["#cloud-config\n- a\n- b\n", "mapping"],
    ["#cloud-config\nyes: 1\n", "boolean"],
    ['#cloud-config\nruncmd: ["a\\u2028b"]\n', "U+2028"],
    ["#cloud-config\ny: 1\n", "a string to cloud-init"],
    ["#cloud-config\nsize: 1e3\n", "a string to cloud-init"],
    ["#cloud-config\nexpiredate: 2030-01-01\n", "a date"],
    ["#cloud-config\nx: =\n", "value"],
    ["#cloud-config\nx: !!python/name:os.system\n", "tag"],
    ["#cloud-config\nx: !!set {a, b}\n", "tag"],
    ["#cloud-config\nx: !!omap [a: 1]\n", "tag"],
  ])("refuses %j (%s)", (text, what) => {
    const result = parseUserDataFile("/x.yaml", text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toContain(what);
  });

  it("accepts an empty file, a file without the header, anchors and merge keys", () => {
    expect(parseUserDataFile("/x.yaml", "")).toMatchObject({ ok: true, value: { config: {} } });
    expect(parseUserDataFile("/x.yaml", "packages: [a]\n")).toMatchObject({ ok: true, value: { config: { packages: ["a"] } } });
    expect(parseUserDataFile("/x.yaml", "#cloud-config\nbase: &b {x: 1}\nother:\n  <<: *b\n  z: 2\n")).toMatchObject({ ok: true, value: { config: { other: { x: 1, z: 2 } } } });
  });

  it("writes a value reused through an alias out in full, without anchors", () => {
    const result = parseUserDataFile("/x.yaml", "#cloud-config\nbase: &b [curl, git]\npackages: *b\n");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const written = toCloudYaml(result.value.config);
    expect(written).not.toMatch(/[&*]a\d/);
    expect(parse(written, { version: "1.1" })).toEqual({ base: ["curl", "git"], packages: ["curl", "git"] });
  });

  it("reads values as cloud-init does (YAML 1.1): yes is true, 0644 is octal", () => {
    const result = parseUserDataFile("/x.yaml", "#cloud-config\npackage_update: yes\nmode: 0644\n");
    expect(result).toMatchObject({ ok: true, value: { config: { package_update: true, mode: 0o644 } } });
  });
});

describeWhen(realTools)("hostile keys and values in user_data_file", () => {
  it("arrive byte-identical after the merge, and cloud-init accepts the result", async () => {
    const hostileKeys = ["key\nwith newline", "quote'\"", "# hash", "yes", "~", "<<x", "ключ", "日本", "a: b", "---", "-", "null"];
    const extra = { write_files: hostileKeys.map((key, index) => ({ path: `/etc/f${index}`, content: key })), bootcmd: hostileKeys.map((key) => ["echo", key]) };
    // The hostile keys become a mapping under a key cloud-init passes through untouched.
    const text = `#cloud-config\n${JSON.stringify({ ...extra, vmforge_test: Object.fromEntries(hostileKeys.map((key) => [key, key])) })}\n`;
    const { options } = await withUserData(text);
    const { kernel } = await runLinuxStages(options);
    const userData = kernel.session.get(cloudInitUserDataKey)!.userData;
    const [read] = await pyYamlLoad([userData]);
    const value = (read as { value: any }).value;
    expect(value.vmforge_test).toEqual(Object.fromEntries(hostileKeys.map((key) => [key, key])));
    expect(value.write_files.map((file: any) => file.content)).toEqual(hostileKeys);
    expect(value.bootcmd).toEqual(hostileKeys.map((key) => ["echo", key]));
    expect((await cloudInitSchema(userData)).ok).toBe(true);
  });
});

describeWhen(realTools)("plain scalars in user_data_file", () => {
  it("are accepted only when cloud-init's PyYAML reads them as we do, and written back they still read the same", async () => {
    const tricky = ["y", "n", "Y", "yes", "No", "on", "OFF", "true", "1e3", "1.0e+3", "1.0e3", "1.5", "+1", "-0", "017", "08", "0o17", "0x1f", "0b11", "1_000", "1:20", "1:20.5", "190:20:30", ".inf", "-.Inf", ".nan", "._1", ".5", "0.", "~", "null", "NULL", "nUll", "2001-12-14", "=", "abc", "1.2.3", "0x", "-", "+", "1__0", "12e", "0b", "3:60"];
    const alphabet = [..."0123456789._-+:eExXbBoO~nNyYtT"];
    const generated = fc.sample(fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 7 }), { numRuns: 400, seed: 42 });
    const candidates = [...new Set([...tricky, ...generated])].filter((text) => !/^[-?:](\s|$)/.test(text) && !text.startsWith("- "));
    const accepted: Array<{ text: string; value: unknown; written: string }> = [];
    for (const text of candidates) {
      const result = parseUserDataFile("/x.yaml", `v: ${text}\n`);
      if (!result.ok) continue;
      accepted.push({ text, value: result.value.config.v, written: toCloudYaml({ v: result.value.config.v }) });
    }
    expect(accepted.length).toBeGreaterThan(candidates.length / 4);
    const readOriginal = await pyYamlLoad(accepted.map(({ text }) => `v: ${text}\n`));
    const readWritten = await pyYamlLoad(accepted.map(({ written }) => written));
    accepted.forEach(({ text, value }, index) => {
      const expected = canonicalJson({ v: value });
      expect(canonicalJson((readOriginal[index] as { value: unknown }).value), `original ${text}`).toBe(expected);
      expect(canonicalJson((readWritten[index] as { value: unknown }).value), `written ${text}`).toBe(expected);
    });
  });
});
