import { spawnSync } from "node:child_process";
import { mkdir, readFile, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReadError, HostRoot, ReadLimits } from "../src/index.js";
import { temporaryDir } from "./helpers.js";

/** A root folder with a secret beside it, outside the root. */
async function rootWithSecretOutside(): Promise<{ base: string; root: string; host: HostRoot }> {
  const base = await temporaryDir();
  const root = join(base, "root");
  await mkdir(join(root, "etc"), { recursive: true });
  await mkdir(join(root, "proc"), { recursive: true });
  await writeFile(join(base, "secret"), "outside the root\n");
  await mkdir(join(base, "etc"), { recursive: true });
  await writeFile(join(base, "etc", "os-release"), "ID=outside\n");
  return { base, root, host: new HostRoot(root) };
}

function mkfifo(path: string): void {
  const result = spawnSync("mkfifo", [path]);
  if (result.status !== 0) throw new Error(`mkfifo failed: ${result.stderr}`);
}

describe("a host root keeps every read inside it (RESOLVE_IN_ROOT)", () => {
  it("an absolute symlink means the root's own /, not the machine's", async () => {
    const { base, root, host } = await rootWithSecretOutside();
    await symlink(join(base, "secret"), join(root, "etc", "os-release"));
    expect(await host.readText("/etc/os-release")).toBeUndefined();
    await mkdir(join(root, base), { recursive: true });
    await writeFile(join(root, base, "secret"), "the root's copy\n");
    expect(await host.readText("/etc/os-release")).toBe("the root's copy\n");
  });

  it("a relative symlink that climbs with .. stops at the root", async () => {
    const { root, host } = await rootWithSecretOutside();
    await symlink("../../../../../../../secret", join(root, "etc", "os-release"));
    expect(await host.readText("/etc/os-release")).toBeUndefined();
    await writeFile(join(root, "secret"), "inside\n");
    expect(await host.readText("/etc/os-release")).toBe("inside\n");
  });

  it("a symlinked folder on the way cannot lead out either", async () => {
    const { base, root, host } = await rootWithSecretOutside();
    await symlink("/", join(root, "escape"));
    await symlink("../..", join(root, "proc", "up"));
    await symlink(base, join(root, "abs"));
    for (const path of ["/escape/../secret", "/proc/up/secret", "/proc/up/../secret", "/abs/secret", "/abs/etc/os-release"]) {
      expect(await host.readText(path), path).toBeUndefined();
      expect(await host.exists(path), path).toBe(false);
    }
    expect(await host.list("/abs")).toEqual([]);
    expect(await host.list("/proc/up")).toEqual(["etc", "escape", "abs", "proc"].sort());
  });

  it("resolve() names a real path below the root, or nothing", async () => {
    const { root, host } = await rootWithSecretOutside();
    await mkdir(join(root, "sys/devices/pci0000:00/0000:01:00.0"), { recursive: true });
    await writeFile(join(root, "sys/devices/pci0000:00/0000:01:00.0/vendor"), "0x10de\n");
    await mkdir(join(root, "sys/bus/pci/devices"), { recursive: true });
    await symlink("../../../devices/pci0000:00/0000:01:00.0", join(root, "sys/bus/pci/devices/0000:01:00.0"));
    expect(await host.resolve("/sys/bus/pci/devices/0000:01:00.0/vendor")).toBe(join(root, "sys/devices/pci0000:00/0000:01:00.0/vendor"));
    expect(await host.resolve("/sys/bus/pci/devices/0000:01:00.0", false)).toBe(join(root, "sys/bus/pci/devices/0000:01:00.0"));
    expect(await host.readAttribute("/sys/bus/pci/devices/0000:01:00.0/vendor")).toBe("0x10de");
    expect(await host.resolve("/sys/bus/pci/devices/0000:01:00.0/vendor/x")).toBeUndefined();
  });

  it("symlink loops end as missing, not as a hang", async () => {
    const { root, host } = await rootWithSecretOutside();
    await symlink("b", join(root, "a"));
    await symlink("a", join(root, "b"));
    await symlink(".", join(root, "self"));
    expect(await host.readText("/a")).toBeUndefined();
    expect(await host.exists("/b")).toBe(false);
    expect(await host.readText(`/${"self/".repeat(100)}a`)).toBeUndefined();
    expect(await host.readLink("/a")).toBe("b");
  });

  it("a FIFO is refused at once with a located error (never opened, never waited on)", async () => {
    const { root, host } = await rootWithSecretOutside();
    mkfifo(join(root, "proc", "cpuinfo"));
    const started = Date.now();
    const error = await host.readText("/proc/cpuinfo").catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(FileReadError);
    expect(error).toMatchObject({ code: "E_FILE_NOT_REGULAR", exitCode: 2 });
    expect((error as Error).message).toContain("named pipe (FIFO)");
    expect((error as Error).message).toContain(root);
    expect(await host.exists("/proc/cpuinfo")).toBe(true);
  });

  it("a huge file is refused by its size, without reading it", async () => {
    const { root, host } = await rootWithSecretOutside();
    await writeFile(join(root, "proc", "meminfo"), "");
    await truncate(join(root, "proc", "meminfo"), 8 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    await expect(host.readText("/proc/meminfo")).rejects.toMatchObject({ code: "E_FILE_TOO_LARGE" });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 ** 2);
    await writeFile(join(root, "proc", "modules"), "x".repeat(100));
    expect(await host.readText("/proc/modules", 100)).toHaveLength(100);
    await expect(host.readText("/proc/modules", 99)).rejects.toMatchObject({ code: "E_FILE_TOO_LARGE" });
  });

  it("the live root reads the machine, bounded the same way", async () => {
    const host = new HostRoot("/");
    expect(await host.readText("/proc/self/status")).toContain("Name:");
    expect(await host.exists("/proc/self")).toBe(true);
    expect(await host.readLink("/proc/self")).toMatch(/^\d+$/);
    await expect(host.readText("/dev/zero")).rejects.toMatchObject({ code: "E_FILE_NOT_REGULAR" });
    expect(ReadLimits.hostText).toBeGreaterThan(1024 * 1024);
    expect(await readFile("/proc/self/status", "utf8")).toContain("Name:");
  });
});
