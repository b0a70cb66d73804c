import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { windowsTableSchema } from "../dist/config-schema.js";
import { hostRoot, packageRoot, userProject, vmforge, windowsVm } from "./support.mjs";

const valid = { install_iso: "win.iso", virtio_iso: "virtio.iso", admin: { name: "vmadmin", password: "pw" } };
const issuesOf = (table) => {
  const result = windowsTableSchema.safeParse(table);
  assert.equal(result.success, false, "accepted");
  return Object.fromEntries(result.error.issues.map((issue) => [issue.path.join("."), issue.message]));
};

describe("the [windows] table", () => {
  it("fills in the defaults", () => {
    assert.deepEqual(windowsTableSchema.parse(valid), { ...valid, edition: "pro", ui_language: "en-US", locale: "en-US", time_zone: "UTC" });
  });

  it("reports every wrong key at once, each with what is allowed", () => {
    const issues = issuesOf({
      ...valid,
      locle: "de-DE",
      edition: "ultimate",
      locale: "de_DE",
      time_zone: "Europe/Berlin",
      product_key: "ABCDE-12345",
      computer_name: "a-name-far-too-long-for-netbios",
      admin: { name: "Administrator", password: "" },
    });
    assert.deepEqual(Object.keys(issues).sort(), ["", "admin.name", "admin.password", "computer_name", "edition", "locale", "product_key", "time_zone"].sort());
    assert.match(issues[""], /locle/);
    assert.match(issues.locale, /did you mean "de-DE"/);
    assert.match(issues.time_zone, /Windows time zone id/);
    assert.match(issues.product_key, /XXXXX-XXXXX-XXXXX-XXXXX-XXXXX/);
    assert.match(issues["admin.name"], /built-in account/);
  });

  it("accepts product keys only in Windows' alphabet, and Home only with one", () => {
    assert.ok(windowsTableSchema.safeParse({ ...valid, product_key: "W269N-WFGWX-YVC9B-4J6C9-T83GX" }).success);
    assert.match(issuesOf({ ...valid, product_key: "W269N-WFGWX-YVC9B-4J6C9-T83GA" }).product_key, /five groups/); // A is not in it
    assert.match(issuesOf({ ...valid, edition: "home" }).product_key, /no generic setup key/);
    assert.ok(windowsTableSchema.safeParse({ ...valid, edition: "home", product_key: "YTMG3-N6DKC-DKB77-7M9GH-8HVX7" }).success);
  });

  it("refuses user names Windows refuses, and control characters in the password", () => {
    for (const name of ["a/b", "x".repeat(21), "...", "guest", "a@b"]) assert.ok(issuesOf({ ...valid, admin: { name, password: "pw" } })["admin.name"], name);
    assert.ok(issuesOf({ ...valid, admin: { name: "u", password: "line\nbreak" } })["admin.password"]);
  });
});

describe("a wrong [windows] table through the real CLI", () => {
  it("exits 2 with every problem located at file:line, the password never shown", async () => {
    const text = (await readFile(join(packageRoot, "examples", "win11.toml"), "utf8"))
      .replace('locale = "de-DE"', 'locle = "de-DE"')
      .replace('time_zone = "W. Europe Standard Time"', 'time_zone = "Europe/Berlin"')
      .replace('password = "correct horse battery staple"', 'password = "bad\\u0001hunter2"');
    const { toml } = await windowsVm(text);
    const lineOf = (needle) => text.split("\n").findIndex((line) => line.includes(needle)) + 1;
    const result = vmforge(["plan", toml, "--project", await userProject(), "--host-root", hostRoot, "--json"]);
    assert.equal(result.status, 2, result.stderr);
    const { error } = JSON.parse(result.stdout);
    assert.equal(error.code, "E_CONFIG_INVALID");
    const byKey = Object.fromEntries(error.problems.map((problem) => [problem.keyPath, problem]));
    assert.deepEqual(Object.keys(byKey).sort(), ["windows.admin.password", "windows.locle", "windows.time_zone"]);
    assert.equal(byKey["windows.locle"].line, lineOf("locle"));
    assert.match(byKey["windows.locle"].message, /did you mean "locale"/);
    assert.equal(byKey["windows.time_zone"].line, lineOf("time_zone"));
    assert.equal(byKey["windows.admin.password"].line, lineOf("password ="));
    assert.ok(!result.stdout.includes("hunter2"), "the password is not in the output");
    for (const problem of error.problems) assert.equal(problem.file, toml);
  });
});
