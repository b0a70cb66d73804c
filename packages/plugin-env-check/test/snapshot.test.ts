import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostRoot } from "@vmforge/kernel";
import { fixtureHostsDir, snapshotFromCapture } from "@vmforge/test-support";
import { saveSnapshot } from "../src/index.js";
import { checkHostRoot } from "./check-host.js";

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});
async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `vmforge-${prefix}-`));
  folders.push(dir);
  return dir;
}

describe("saveSnapshot", () => {
  it("replays a fixture host (symlinked sysfs) to the same JSON, keeping driver and iommu_group as symlinks", async () => {
    const source = await folder("capture");
    await snapshotFromCapture(join(fixtureHostsDir, "amd-ryzen-x570-rx570-vfio-gt710-host"), source);
    const first = await checkHostRoot(source);
    const kernelHost = new HostRoot(source);
    // The same reads through a fresh root, as the CLI's kernel would have made them.
    const { gatherEnvironment } = await import("../src/index.js");
    await gatherEnvironment(kernelHost);
    const copy = await folder("copy");
    const summary = await saveSnapshot(kernelHost, copy);
    expect(summary.links).toBeGreaterThan(0);
    const second = await checkHostRoot(copy);
    expect(second.env).toEqual(first.env);
    expect(second.report).toEqual(first.report);
    const device = join(copy, "sys/bus/pci/devices/0000:2d:00.0");
    expect((await lstat(device)).isSymbolicLink()).toBe(true);
    expect(await readlink(join(copy, "sys/devices/pci0000:00/0000:2d:00.0/driver"))).toBe("../../../bus/pci/drivers/vfio-pci");
    expect(await readlink(join(copy, "sys/devices/pci0000:00/0000:2d:00.0/iommu_group"))).toBe("../../../kernel/iommu_groups/27");
  });

  it("leaves out MAC addresses and serial numbers unless asked", async () => {
    const source = await folder("ids");
    const files: Record<string, string> = {
      "sys/class/net/eth0/address": "52:54:00:12:34:56\n",
      "sys/class/net/eth0/mtu": "1500\n",
      "sys/block/sda/device/serial": "WD-123456\n",
      "sys/block/sda/size": "100\n",
      "etc/machine-id": "0123456789abcdef\n",
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(source, path)), { recursive: true });
      await writeFile(join(source, path), content);
    }
    const host = new HostRoot(source);
    for (const path of Object.keys(files)) await host.readText(`/${path}`);

    const plain = await folder("plain");
    const summary = await saveSnapshot(host, plain);
    expect(summary.skipped.sort()).toEqual(["/etc/machine-id", "/sys/block/sda/device/serial", "/sys/class/net/eth0/address"]);
    expect(await readFile(join(plain, "sys/class/net/eth0/mtu"), "utf8")).toBe("1500\n");
    expect(await readFile(join(plain, "sys/block/sda/size"), "utf8")).toBe("100\n");
    await expect(lstat(join(plain, "sys/class/net/eth0/address"))).rejects.toThrow();
    await expect(lstat(join(plain, "sys/block/sda/device/serial"))).rejects.toThrow();

    const full = await folder("full");
    await saveSnapshot(host, full, { includeIdentifiers: true });
    expect(await readFile(join(full, "sys/class/net/eth0/address"), "utf8")).toBe("52:54:00:12:34:56\n");
  });

  it("turns absolute link targets relative, so a replay never reads the machine it runs on", async () => {
    const source = await folder("abs");
    await mkdir(join(source, "usr/lib"), { recursive: true });
    await writeFile(join(source, "usr/lib/os-release"), "ID=replayed\n");
    await mkdir(join(source, "etc"), { recursive: true });
    await symlink("/usr/lib/os-release", join(source, "etc/os-release"));
    const host = new HostRoot(source);
    // Under a snapshot root, an absolute link resolves on the machine itself: read the target instead.
    await host.readLink("/etc/os-release");
    await host.readText("/usr/lib/os-release");
    const copy = await folder("abs-copy");
    await saveSnapshot(host, copy);
    expect(await readlink(join(copy, "etc/os-release"))).toBe("../usr/lib/os-release");
    expect(await readFile(join(copy, "etc/os-release"), "utf8")).toBe("ID=replayed\n");
  });

  it("keeps what the check read, even when the file changed or vanished before the save", async () => {
    const source = await folder("volatile");
    await mkdir(join(source, "proc"), { recursive: true });
    await writeFile(join(source, "proc/meminfo"), "MemAvailable: 100 kB\n");
    await writeFile(join(source, "proc/gone"), "was here\n");
    const host = new HostRoot(source);
    const { readText } = await import("../src/host/read-log.js");
    await readText(host, "/proc/meminfo");
    await readText(host, "/proc/gone");
    await writeFile(join(source, "proc/meminfo"), "MemAvailable: 5 kB\n");
    await rm(join(source, "proc/gone"));
    const copy = await folder("volatile-copy");
    await saveSnapshot(host, copy);
    expect(await readFile(join(copy, "proc/meminfo"), "utf8")).toBe("MemAvailable: 100 kB\n");
    expect(await readFile(join(copy, "proc/gone"), "utf8")).toBe("was here\n");
  });

  it("reports an unwritable destination as E_SNAPSHOT_WRITE", async () => {
    const source = await folder("src");
    await writeFile(join(source, "file"), "x");
    const host = new HostRoot(source);
    await host.readText("/file");
    const blocker = join(await folder("blocker"), "not-a-dir");
    await writeFile(blocker, "");
    await expect(saveSnapshot(host, join(blocker, "inside"))).rejects.toMatchObject({ code: "E_SNAPSHOT_WRITE" });
  });
});
