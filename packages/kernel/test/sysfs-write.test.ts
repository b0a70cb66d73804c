import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, link, lstat, mkdir, readFile, readdir, readlink, symlink, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EffectLog, HostRoot } from "../src/index.js";
import { caught, temporaryDir } from "./helpers.js";

/**
 * A host root shaped like real sysfs (devices/X is a symlink into /sys/devices, driver a
 * symlink into drivers/), with a canary file of every name an attack aims at: inside the root
 * but outside /sys, and outside the root.
 */
async function sysfsRoot() {
  const base = await temporaryDir();
  const root = join(base, "root");
  const device = join(root, "sys/devices/pci0000:00/0000:01:00.0");
  await mkdir(device, { recursive: true });
  await mkdir(join(root, "sys/bus/pci/devices"), { recursive: true });
  await mkdir(join(root, "sys/bus/pci/drivers/snd_hda_intel"), { recursive: true });
  await symlink("../../../devices/pci0000:00/0000:01:00.0", join(root, "sys/bus/pci/devices/0000:01:00.0"));
  await symlink("../../../bus/pci/drivers/snd_hda_intel", join(device, "driver"));
  await writeFile(join(device, "driver_override"), "(null)\n");
  await writeFile(join(root, "sys/bus/pci/drivers/snd_hda_intel/unbind"), "");
  await writeFile(join(root, "sys/bus/pci/drivers_probe"), "");
  for (const dir of [join(base, "etc/cron.d"), join(root, "etc/cron.d")]) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "evil"), "canary\n");
  }
  await writeFile(join(base, "canary"), "canary\n");
  const log = new EffectLog({ dryRun: false, host: new HostRoot(root) });
  return { base, root, device, log, effects: log.forStage("p:bind") };
}

/** Type, mode and content hash of every entry below `dir`; symlinks are not followed, FIFOs never opened. */
async function fingerprint(dir: string, entries = new Map<string, string>(), prefix = ""): Promise<Map<string, string>> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const key = prefix ? `${prefix}/${name}` : name;
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) entries.set(key, `link ${await readlink(path)}`);
    else if (stats.isDirectory()) {
      entries.set(key, `dir ${stats.mode}`);
      await fingerprint(path, entries, key);
    } else if (stats.isFile()) entries.set(key, `file ${stats.mode} ${createHash("sha256").update(await readFile(path)).digest("hex")}`);
    else entries.set(key, `other ${stats.mode}`);
  }
  return entries;
}

/** Paths that differ between two fingerprints. */
function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path)).sort();
}

describe("writeSysfs writes existing attributes below /sys/bus/pci of the host root", () => {
  it("writes through the device symlink into /sys/devices, in place, keeping only what it wrote", async () => {
    const { base, device, log, effects } = await sysfsRoot();
    const before = await fingerprint(base);
    const record = await effects.writeSysfs("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci", "only vfio-pci");
    expect(await readFile(join(device, "driver_override"), "utf8")).toBe("vfio-pci");
    await effects.writeSysfs("/sys/bus/pci/devices/0000:01:00.0/driver/unbind", "0000:01:00.0");
    expect(changed(before, await fingerprint(base))).toEqual(["root/sys/bus/pci/drivers/snd_hda_intel/unbind", "root/sys/devices/pci0000:00/0000:01:00.0/driver_override"]);
    expect(record).toMatchObject({ kind: "sysfs-write", status: "done", path: "/sys/bus/pci/devices/0000:01:00.0/driver_override", value: "vfio-pci" });
    expect(log.records.map((entry) => entry.status)).toEqual(["done", "done"]);
  });

  it("normalises the path first: /sys/bus/pci/devices/../drivers_probe is /sys/bus/pci/drivers_probe", async () => {
    const { root, effects } = await sysfsRoot();
    await effects.writeSysfs("/sys/bus/pci//devices/../drivers_probe", "0000:01:00.0");
    expect(await readFile(join(root, "sys/bus/pci/drivers_probe"), "utf8")).toBe("0000:01:00.0");
  });

  it("never creates a file: a missing attribute is E_SYSFS_NO_ATTRIBUTE (exit 2), and it stays missing", async () => {
    const { base, root, log, effects } = await sysfsRoot();
    const before = await fingerprint(base);
    for (const path of ["/sys/bus/pci/drivers/snd_hda_intel/bind", "/sys/bus/pci/drivers/missing/bind", "/sys/bus/pci/devices/0000:01:00.0/new_id"]) {
      const error = await caught(() => effects.writeSysfs(path, "0000:01:00.0"));
      expect(error, path).toMatchObject({ code: "E_SYSFS_NO_ATTRIBUTE", exitCode: 2 });
      expect(error.message).toContain(path);
      expect(error.message).toContain("never creates");
      expect(error.fix).toBeTruthy();
    }
    expect(changed(before, await fingerprint(base))).toEqual([]);
    expect(log.records.map((record) => record.status)).toEqual(["failed", "failed", "failed"]);
    await expect(lstat(join(root, "sys/bus/pci/drivers/snd_hda_intel/bind"))).rejects.toThrow();
  });

  it("refuses paths that are not below /sys/bus/pci/ once normalised, even when the target exists", async () => {
    const { base, log, effects } = await sysfsRoot();
    const before = await fingerprint(base);
    const paths = [
      "/sys/bus/pci/../../../etc/cron.d/evil",
      "/sys/bus/pci/devices/0000:01:00.0/../../../../../../../../etc/cron.d/evil",
      "/sys/bus/pci/..",
      "/sys/bus/pci",
      "/sys/bus/pci/",
      "/sys/bus/pcix/drivers_probe",
      "/sys/kernel/mm/transparent_hugepage/enabled",
      "/etc/cron.d/evil",
      "sys/bus/pci/drivers_probe",
      "",
      "/sys/bus/pci/drivers_probe\0/../../etc/cron.d/evil",
      `/sys/bus/pci/${"a/".repeat(3000)}x`,
    ];
    for (const path of paths) {
      const error = await caught(() => effects.writeSysfs(path, "1"));
      expect(error, path).toMatchObject({ code: "E_SYSFS_PATH_REFUSED", exitCode: 2 });
      expect(error.why).toContain("/sys/bus/pci/");
      expect(error.message.length).toBeLessThan(400);
    }
    expect(log.records).toHaveLength(paths.length);
    expect(log.records.every((record) => record.status === "failed")).toBe(true);
    expect(changed(before, await fingerprint(base))).toEqual([]);
  });

  it("refuses a path whose symlinks lead out of the root's /sys: absolute, climbing with .., through a linked folder or the device's driver link", async () => {
    const { base, root, device, effects } = await sysfsRoot();
    await symlink("/etc/cron.d", join(root, "sys/bus/pci/devices/abs"));
    await symlink("../../../../../../../../../../etc/cron.d", join(root, "sys/bus/pci/devices/climb"));
    await symlink(join(base, "etc/cron.d"), join(root, "sys/bus/pci/drivers/outside"));
    await mkdir(join(root, "etc/cron.d/sys"), { recursive: true });
    await writeFile(join(root, "etc/cron.d/sys/evil"), "canary\n");
    await symlink("/etc/cron.d/sys", join(root, "sys/bus/pci/drivers/looks-inside"));
    for (const dir of [join(root, "etc/cron.d"), join(base, "etc/cron.d")]) await writeFile(join(dir, "unbind"), "canary\n");
    await unlink(join(device, "driver"));
    await symlink("/etc/cron.d", join(device, "driver"));
    const before = await fingerprint(base);
    const paths = ["/sys/bus/pci/devices/abs/evil", "/sys/bus/pci/devices/climb/evil", "/sys/bus/pci/drivers/looks-inside/evil", "/sys/bus/pci/devices/0000:01:00.0/driver/unbind"];
    for (const path of paths) {
      const error = await caught(() => effects.writeSysfs(path, "* * * * * root sh -c id\n"));
      expect(error, path).toMatchObject({ code: "E_SYSFS_PATH_REFUSED", exitCode: 2 });
      expect(error.message, path).toMatch(/outside the host root's \/sys/);
    }
    // An absolute target means the root's own /: <root><base>/etc/cron.d, which does not exist.
    await expect(caught(() => effects.writeSysfs("/sys/bus/pci/drivers/outside/evil", "x"))).resolves.toMatchObject({ code: "E_SYSFS_NO_ATTRIBUTE", exitCode: 2 });
    expect(changed(before, await fingerprint(base))).toEqual([]);
  });

  it("refuses a last component that is a symlink, a folder, a FIFO or a file with other hard links, without blocking", async () => {
    const { base, root, device, effects } = await sysfsRoot();
    await symlink(join(base, "canary"), join(device, "reset"));
    await symlink("../../../../etc/cron.d/evil", join(device, "remove"));
    await mkdir(join(device, "power"));
    expect(spawnSync("mkfifo", [join(device, "rescan")]).status).toBe(0);
    await link(join(root, "etc/cron.d/evil"), join(device, "enable"));
    const before = await fingerprint(base);
    const expectations: Array<[string, RegExp]> = [
      ["reset", /a symbolic link/],
      ["remove", /a symbolic link/],
      ["power", /a folder/],
      ["rescan", /a named pipe/],
      ["enable", /other hard links/],
    ];
    for (const [name, reason] of expectations) {
      const error = await caught(() => effects.writeSysfs(`/sys/bus/pci/devices/0000:01:00.0/${name}`, "1"));
      expect(error, name).toMatchObject({ code: "E_SYSFS_PATH_REFUSED", exitCode: 2 });
      expect(error.message, name).toMatch(reason);
    }
    expect(changed(before, await fingerprint(base))).toEqual([]);
  });

  it("refuses a symlink loop on the way as a missing attribute", async () => {
    const { root, effects } = await sysfsRoot();
    await symlink("loop-b", join(root, "sys/bus/pci/drivers/loop-a"));
    await symlink("loop-a", join(root, "sys/bus/pci/drivers/loop-b"));
    await expect(caught(() => effects.writeSysfs("/sys/bus/pci/drivers/loop-a/bind", "0000:01:00.0"))).resolves.toMatchObject({ code: "E_SYSFS_NO_ATTRIBUTE" });
  });

  it("refuses a value with a NUL byte or longer than a page (E_SYSFS_VALUE_REFUSED), in a dry run too", async () => {
    const { root, effects } = await sysfsRoot();
    for (const value of ["vfio-pci\0evil", "x".repeat(4097)]) {
      await expect(caught(() => effects.writeSysfs("/sys/bus/pci/drivers_probe", value))).resolves.toMatchObject({ code: "E_SYSFS_VALUE_REFUSED", exitCode: 2 });
    }
    const dry = new EffectLog({ dryRun: true, host: new HostRoot(root) }).forStage("p:bind");
    await expect(caught(() => dry.writeSysfs("/sys/bus/pci/drivers_probe", "a\0b"))).resolves.toMatchObject({ code: "E_SYSFS_VALUE_REFUSED" });
    expect(await readFile(join(root, "sys/bus/pci/drivers_probe"), "utf8")).toBe("");
  });

  it("a dry run refuses a path outside /sys/bus/pci/ but plans one whose attribute appears only later (drivers/vfio-pci once modprobe ran)", async () => {
    const { base, root } = await sysfsRoot();
    const log = new EffectLog({ dryRun: true, host: new HostRoot(root) });
    const effects = log.forStage("p:bind");
    const before = await fingerprint(base);
    await expect(effects.writeSysfs("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:01:00.0")).resolves.toMatchObject({ status: "planned" });
    await expect(caught(() => effects.writeSysfs("/sys/bus/pci/../../../etc/cron.d/evil", "x"))).resolves.toMatchObject({ code: "E_SYSFS_PATH_REFUSED" });
    expect(log.records.map((record) => record.status)).toEqual(["planned", "failed"]);
    expect(changed(before, await fingerprint(base))).toEqual([]);
  });

  it("checkSysfs makes every check of a real write, in a dry run too, and records and writes nothing", async () => {
    const { base, root } = await sysfsRoot();
    await symlink("/etc/cron.d", join(root, "sys/bus/pci/devices/abs"));
    const log = new EffectLog({ dryRun: true, host: new HostRoot(root) });
    const effects = log.forStage("vfio:undo");
    const before = await fingerprint(base);
    await expect(effects.checkSysfs("/sys/bus/pci/devices/0000:01:00.0/driver_override")).resolves.toBeUndefined();
    await expect(caught(() => effects.checkSysfs("/sys/bus/pci/devices/abs/evil"))).resolves.toMatchObject({ code: "E_SYSFS_PATH_REFUSED" });
    await expect(caught(() => effects.checkSysfs("/sys/bus/pci/drivers/vfio-pci/unbind"))).resolves.toMatchObject({ code: "E_SYSFS_NO_ATTRIBUTE" });
    await expect(caught(() => effects.checkSysfs("/sys/bus/pci/../../etc/cron.d/evil"))).resolves.toMatchObject({ code: "E_SYSFS_PATH_REFUSED" });
    expect(log.records).toEqual([]);
    expect(changed(before, await fingerprint(base))).toEqual([]);
  });

  it("reports a write the kernel refuses as E_SYSFS_WRITE (exit 1), recorded as failed", async (context) => {
    const { device, log, effects } = await sysfsRoot();
    const file = join(device, "driver_override");
    // Root writes any mode; an immutable file refuses root too.
    if (process.getuid?.() === 0) {
      if (spawnSync("chattr", ["+i", file]).status !== 0) context.skip();
    } else await chmod(file, 0o444);
    try {
      const error = await caught(() => effects.writeSysfs("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci"));
      expect(error).toMatchObject({ code: "E_SYSFS_WRITE", exitCode: 1 });
      expect(error.message).toContain("/sys/bus/pci/devices/0000:01:00.0/driver_override");
      expect(error.fix).toContain("root");
      expect(log.records[0]).toMatchObject({ status: "failed" });
    } finally {
      spawnSync("chattr", ["-i", file]);
    }
    expect(await readFile(file, "utf8")).toBe("(null)\n");
  });
});
