import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EffectLog, HostRoot, runProgram } from "../src/index.js";
import { caught, temporaryDir, treeOf } from "./helpers.js";

function realEffects(hostRoot = "/") {
  const log = new EffectLog({ dryRun: false, host: new HostRoot(hostRoot) });
  return { log, effects: log.forStage("p:stage") };
}

describe("effects in a real run", () => {
  it("writes a file, creating its folder, and records it as done", async () => {
    const dir = await temporaryDir();
    const { log, effects } = realEffects();
    const record = await effects.writeFile(join(dir, "a", "b", "launch.sh"), "#!/bin/sh\n", { mode: 0o755, description: "launcher" });
    expect(await readFile(join(dir, "a", "b", "launch.sh"), "utf8")).toBe("#!/bin/sh\n");
    expect((await stat(join(dir, "a", "b", "launch.sh"))).mode & 0o777).toBe(0o755);
    expect(record).toMatchObject({ kind: "write-file", status: "done", stage: "p:stage", bytes: 10, description: "launcher" });
    expect(log.records).toEqual([record]);
  });

  it("writes binary data", async () => {
    const dir = await temporaryDir();
    const { effects } = realEffects();
    await effects.writeFile(join(dir, "seed.iso"), new Uint8Array([0, 1, 2, 255]));
    expect([...(await readFile(join(dir, "seed.iso")))]).toEqual([0, 1, 2, 255]);
  });

  it("replaces a file atomically and leaves no temporary file behind", async () => {
    const dir = await temporaryDir();
    const { effects } = realEffects();
    await writeFile(join(dir, "domain.xml"), "old");
    await effects.writeFile(join(dir, "domain.xml"), "new");
    expect(await readFile(join(dir, "domain.xml"), "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["domain.xml"]);
  });

  it("never replaces an existing file with overwrite: false", async () => {
    const dir = await temporaryDir();
    const { effects, log } = realEffects();
    await writeFile(join(dir, "disk.qcow2"), "precious data");
    const error = await caught(() => effects.writeFile(join(dir, "disk.qcow2"), "fresh image", { overwrite: false }));
    expect(error.code).toBe("E_FILE_EXISTS");
    expect(error.message).toContain(join(dir, "disk.qcow2"));
    expect(error.fix).toBeTruthy();
    expect(await readFile(join(dir, "disk.qcow2"), "utf8")).toBe("precious data");
    expect(await readdir(dir)).toEqual(["disk.qcow2"]);
    expect(log.records[0]).toMatchObject({ status: "failed" });
  });

  it("creates a new file with overwrite: false", async () => {
    const dir = await temporaryDir();
    const { effects } = realEffects();
    await effects.writeFile(join(dir, "disk.qcow2"), "fresh", { overwrite: false });
    expect(await readFile(join(dir, "disk.qcow2"), "utf8")).toBe("fresh");
    expect(await readdir(dir)).toEqual(["disk.qcow2"]);
  });

  it("reports a failed write with E_WRITE_FAILED, records it as failed, and leaves no temporary file", async () => {
    const dir = await temporaryDir();
    const { effects, log } = realEffects();
    await mkdir(join(dir, "a-folder"));
    const error = await caught(() => effects.writeFile(join(dir, "a-folder"), "cannot replace a folder"));
    expect(error.code).toBe("E_WRITE_FAILED");
    expect(error.message).toContain("a-folder");
    expect(log.records[0]).toMatchObject({ status: "failed" });
    expect(await treeOf(dir)).toEqual(["a-folder/"]);
  });

  it("makes folders and reports a folder that cannot be made", async () => {
    const dir = await temporaryDir();
    const { effects, log } = realEffects();
    await effects.mkdir(join(dir, "x", "y"));
    expect((await stat(join(dir, "x", "y"))).isDirectory()).toBe(true);
    await writeFile(join(dir, "file"), "");
    const error = await caught(() => effects.mkdir(join(dir, "file", "below")));
    expect(error.code).toBe("E_MKDIR_FAILED");
    expect(log.records.map((record) => record.status)).toEqual(["done", "failed"]);
  });

  it("runs a program with an argument array: shell syntax is passed literally", async () => {
    const dir = await temporaryDir();
    const { effects, log } = realEffects();
    const dangerous = [`vm; touch ${join(dir, "pwned")}`, `$(touch ${join(dir, "pwned2")})`, "`id`", "a b"];
    const result = await effects.run("printf", ["%s\\n", ...dangerous], { description: "echo names" });
    expect(result?.exitCode).toBe(0);
    expect(result?.stdout).toBe(dangerous.map((arg) => `${arg}\n`).join(""));
    expect(await readdir(dir)).toEqual([]);
    expect(log.records[0]).toMatchObject({ kind: "run", status: "done", command: ["printf", "%s\\n", ...dangerous] });
  });

  it("passes input, environment and working folder to the program", async () => {
    const dir = await temporaryDir();
    const result = await runProgram("sh", ["-c", 'cat; printf " %s %s" "$VMFORGE_TEST" "$(pwd)"'], { input: "stdin-data", env: { VMFORGE_TEST: "env-value" }, cwd: dir });
    expect(result.stdout).toBe(`stdin-data env-value ${dir}`);
  });

  it("records a program that fails, with the end of its error output", async () => {
    const { effects, log } = realEffects();
    const result = await effects.run("sh", ["-c", "echo first >&2; echo last words >&2; exit 3"]);
    expect(result?.exitCode).toBe(3);
    expect(log.records[0]).toMatchObject({ status: "failed" });
    expect(log.records[0]!.error).toContain("last words");
  });

  it("reports a program that does not exist as exit code 127", async () => {
    const { effects, log } = realEffects();
    const result = await effects.run("vmforge-no-such-program-xyz", []);
    expect(result?.exitCode).toBe(127);
    expect(log.records[0]).toMatchObject({ status: "failed" });
  });

  it("writes a sysfs attribute below the host root", async () => {
    const root = await temporaryDir();
    await mkdir(join(root, "sys/bus/pci/drivers/vfio-pci"), { recursive: true });
    await writeFile(join(root, "sys/bus/pci/drivers/vfio-pci/new_id"), "");
    const { effects, log } = realEffects(root);
    await effects.writeSysfs("/sys/bus/pci/drivers/vfio-pci/new_id", "10de 1b80", "bind the GPU");
    expect(await readFile(join(root, "sys/bus/pci/drivers/vfio-pci/new_id"), "utf8")).toBe("10de 1b80");
    expect(log.records[0]).toMatchObject({ kind: "sysfs-write", status: "done", path: "/sys/bus/pci/drivers/vfio-pci/new_id", value: "10de 1b80" });
  });

  it("never writes sysfs outside the host root, even with .. in the path", async () => {
    const base = await temporaryDir();
    const root = join(base, "root");
    await mkdir(join(root, "sys"), { recursive: true });
    const { effects } = realEffects(root);
    await effects.writeSysfs("/sys/../../escaped", "1").catch(() => undefined);
    expect(await treeOf(base)).not.toContain("escaped");
  });

  it("never creates a sysfs attribute: a missing one is E_SYSFS_NO_ATTRIBUTE, recorded as failed", async () => {
    const root = await temporaryDir();
    const { effects, log } = realEffects(root);
    const error = await caught(() => effects.writeSysfs("/sys/bus/pci/drivers/missing/bind", "0000:01:00.0"));
    expect(error.code).toBe("E_SYSFS_NO_ATTRIBUTE");
    expect(error.message).toContain("/sys/bus/pci/drivers/missing/bind");
    expect(log.records[0]).toMatchObject({ status: "failed" });
    expect(await treeOf(root)).toEqual([]);
  });
});
