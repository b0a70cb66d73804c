import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VmforgeError } from "@vmforge/kernel";
import { repoRoot } from "@vmforge/test-support";
import { formatError } from "../src/error-output.js";
import { explainFsError, fsFault, writeFailure } from "../src/fs-faults.js";
import { plainPalette } from "../src/render/colors.js";
import { cliBin, makerProject, markerExists, tempRoot } from "./project-fixture.js";

describe("file-system faults are user errors with the path and a fix, never E_INTERNAL", () => {
  const { root, markers } = tempRoot("write-faults");
  let project: string;
  const env = { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config"), CI: "1" };
  const aFile = join(root, "a-file");

  beforeAll(() => {
    project = makerProject(root, markers);
    writeFileSync(aFile, "not a folder");
  }, 120_000);

  it.each([
    ["an existing file", () => aFile, `--out ${aFile} is a file, not a folder.`],
    ["a path below a file", () => join(aFile, "out"), `--out ${join(aFile, "out")} cannot be made: ${aFile} is a file, not a folder.`],
  ])("--out naming %s: exit 2 before any stage, with the path and a fix", async (_label, out, message) => {
    const result = await execa("node", [cliBin, "plan", "vm.toml", "--out", out()], { cwd: project, env, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error[E_OUT_NOT_A_FOLDER]: ${message}`);
    expect(result.stderr).toContain(`fix: Give a folder (it is made when missing), or move ${aFile} away.`);
    expect(result.stderr).not.toContain("E_INTERNAL");
    expect(result.stdout).not.toContain("> maker:make_thing");
    expect(markerExists(markers, "ran")).toBe(false);
  });

  it("a data folder that cannot be written: the stage's error first, then plan.json's, exit 1", async () => {
    const result = await execa("node", [cliBin, "apply", "vm.toml"], { cwd: project, env: { ...env, VMFORGE_DATA_HOME: join(aFile, "data") }, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toContain("E_INTERNAL");
    const stage = result.stderr.indexOf("error[E_WRITE_FAILED]: Could not write");
    const plan = result.stderr.indexOf(`and then error[E_WRITE_FAILED]: Could not write the record of the run ${join(aFile, "data", "vms", "demo", "plan.json")}: a part of the path is a file, not a folder.`);
    expect(stage).toBeGreaterThanOrEqual(0);
    expect(plan).toBeGreaterThan(stage);
    expect(result.stderr.slice(stage, plan)).toContain("thing.txt");
    expect(result.stderr.slice(stage, plan)).toContain("fix: Check the path: one of the folders above");
    expect(result.stdout).not.toContain("is set up");

    const json = await execa("node", [cliBin, "apply", "vm.toml", "--json"], { cwd: project, env: { ...env, VMFORGE_DATA_HOME: join(aFile, "data") }, reject: false });
    expect(json.exitCode).toBe(1);
    const document = JSON.parse(json.stdout) as { ok: boolean; error: { code: string; message: string }; also: Array<{ code: string; message: string }> };
    expect(document.ok).toBe(false);
    expect(document.error.message).toContain("thing.txt");
    expect(document.also).toEqual([expect.objectContaining({ code: "E_WRITE_FAILED", message: expect.stringContaining("plan.json") })]);

    const lines = await execa("node", [cliBin, "apply", "vm.toml", "--json-lines"], { cwd: project, env: { ...env, VMFORGE_DATA_HOME: join(aFile, "data") }, reject: false });
    const last = JSON.parse(lines.stdout.trim().split("\n").at(-1)!) as { event: string; exitCode: number; error: { code: string }; also: unknown[] };
    expect(last).toMatchObject({ event: "error", exitCode: 1, error: { code: "E_WRITE_FAILED" } });
    expect(last.also).toHaveLength(1);
  });

  it("init with a config folder below a file: exit 1 with the folder and the variable to change", async () => {
    const result = await execa("node", [cliBin, "init", "--project", repoRoot], { env: { ...env, VMFORGE_CONFIG_HOME: join(aFile, "config") }, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`error[E_FOLDER_UNWRITABLE]: Could not create the folder ${join(aFile, "config")}: a part of the path is a file, not a folder.`);
    expect(result.stderr).toContain("To use another folder, set VMFORGE_CONFIG_HOME.");
    expect(result.stderr).not.toContain("E_INTERNAL");
  });

  it("a --out folder that already holds a run is fine, and the stale temp files of a killed run are removed", async () => {
    const out = join(root, "out-reused");
    mkdirSync(out);
    const dead = spawnSync("true").pid;
    writeFileSync(join(out, `.plan.json.${dead}.0a1b2c3d.tmp`), "{ half");
    writeFileSync(join(out, `.plan.json.${process.pid}.0a1b2c3d.tmp`), "a live run's");
    writeFileSync(join(out, "notes.tmp"), "mine");
    const result = await execa("node", [cliBin, "plan", "vm.toml", "--out", out], { cwd: project, env, reject: false });
    expect(result.exitCode).toBe(0);
    expect(readdirSync(out).sort()).toEqual([`.plan.json.${process.pid}.0a1b2c3d.tmp`, "notes.tmp", "plan.json", "thing.txt"]);
  });
});

describe("errno codes as reasons and fixes", () => {
  const errno = (code: string, path?: string) => Object.assign(new Error(`${code}: something, open '${path ?? "?"}'`), { code, ...(path ? { path, syscall: "open" } : {}) });

  it.each([
    ["EACCES", "permission denied", "writable for the user running vmforge"],
    ["EPERM", "permission denied", "writable for the user running vmforge"],
    ["EROFS", "read-only", "writable file system"],
    ["ENOSPC", "no space is left", "df -h /srv/vms"],
    ["EDQUOT", "quota", "quota -s"],
    ["ENOTDIR", "is a file, not a folder", "one of the folders above /srv/vms/plan.json is a file"],
    ["EEXIST", "a file is in the way", "Move /srv/vms/plan.json away"],
    ["EISDIR", "it is a folder", "Remove or rename the folder /srv/vms/plan.json"],
  ])("%s", (code, reason, fix) => {
    const error = writeFailure(errno(code), "/srv/vms/plan.json", "the record of the run");
    expect(error).toMatchObject({ code: "E_WRITE_FAILED", exitCode: 1 });
    expect(error.message).toContain("/srv/vms/plan.json");
    expect(error.message).toContain(reason);
    expect(error.fix).toContain(fix);
    expect(fsFault(errno(code))).toBeDefined();
  });

  it("a full disk under a stage (the kernel's E_WRITE_FAILED without a fix) gets the reason and a fix", () => {
    const fromKernel = new VmforgeError("E_WRITE_FAILED", "Could not write /srv/vms/seed.iso: ENOSPC: no space left on device, write", { cause: errno("ENOSPC") });
    const text = formatError(fromKernel, plainPalette, false);
    expect(text).toContain("error[E_WRITE_FAILED]: Could not write /srv/vms/seed.iso");
    expect(text).toContain("why: The file system said: no space is left on the device.");
    expect(text).toContain("fix: Free space on the file system");
  });

  it("a raw errno error that escaped is a file-system error with a fix, not a bug", () => {
    const explained = explainFsError(Object.assign(errno("EROFS", "/srv/ro/x"), { syscall: "mkdir" })) as VmforgeError;
    expect(explained).toMatchObject({ code: "E_FILE_SYSTEM", exitCode: 1, message: "Could not create the folder /srv/ro/x: the file system is mounted read-only." });
    expect(formatError(errno("ENOSPC", "/srv/x"), plainPalette, false)).not.toContain("E_INTERNAL");
    expect(formatError(new Error("a real bug"), plainPalette, false)).toContain("E_INTERNAL");
    expect(existsSync("/srv/ro/x")).toBe(false);
  });
});
