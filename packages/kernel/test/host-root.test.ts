import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostRoot } from "../src/index.js";
import { temporaryDir } from "./helpers.js";

async function snapshot(): Promise<string> {
  const root = await temporaryDir();
  await mkdir(join(root, "proc"), { recursive: true });
  await mkdir(join(root, "sys/kernel/iommu_groups/1/devices"), { recursive: true });
  await mkdir(join(root, "sys/kernel/iommu_groups/0/devices"), { recursive: true });
  await writeFile(join(root, "proc/cpuinfo"), "processor\t: 0\nvendor_id\t: GenuineIntel\n");
  await writeFile(join(root, "sys/module_param"), "Y\n");
  await symlink("../../../kernel/iommu_groups/1", join(root, "sys/iommu_group"));
  return root;
}

describe("host root", () => {
  it("reads files below the root, not from the machine", async () => {
    const root = await snapshot();
    const host = new HostRoot(root);
    expect(await host.readText("/proc/cpuinfo")).toContain("GenuineIntel");
    expect(await host.readAttribute("/sys/module_param")).toBe("Y");
    expect(host.path("/proc/cpuinfo")).toBe(join(root, "proc/cpuinfo"));
    expect(host.isLive).toBe(false);
    expect(new HostRoot().isLive).toBe(true);
  });

  it("answers undefined, an empty list or false for what is missing", async () => {
    const host = new HostRoot(await snapshot());
    expect(await host.readText("/proc/missing")).toBeUndefined();
    expect(await host.readAttribute("/sys/missing")).toBeUndefined();
    expect(await host.list("/sys/missing")).toEqual([]);
    expect(await host.readLink("/sys/missing")).toBeUndefined();
    expect(await host.exists("/dev/kvm")).toBe(false);
  });

  it("lists folders sorted, reads links and tells what exists", async () => {
    const host = new HostRoot(await snapshot());
    expect(await host.list("/sys/kernel/iommu_groups")).toEqual(["0", "1"]);
    expect(await host.readLink("/sys/iommu_group")).toBe("../../../kernel/iommu_groups/1");
    expect(await host.exists("/proc/cpuinfo")).toBe(true);
  });

  it("records what was read and how, a file read winning over a lesser look", async () => {
    const host = new HostRoot(await snapshot());
    await host.exists("/proc/cpuinfo");
    await host.readText("/proc/cpuinfo");
    await host.exists("/proc/cpuinfo");
    await host.list("/sys/kernel/iommu_groups");
    await host.readLink("/sys/iommu_group");
    await host.readText("/proc/missing");
    expect(Object.fromEntries(host.reads())).toEqual({
      "/proc/cpuinfo": "file",
      "/sys/kernel/iommu_groups": "dir",
      "/sys/iommu_group": "link",
      "/proc/missing": "file",
    });
  });

  it("never reads above the root, whatever the path", async () => {
    const base = await temporaryDir();
    const root = join(base, "root");
    await mkdir(root);
    await writeFile(join(base, "secret"), "outside");
    const host = new HostRoot(root);
    expect(await host.readText("/../secret")).toBeUndefined();
    expect(await host.readText("/proc/../../secret")).toBeUndefined();
    expect(host.path("/../../etc/passwd")).toBe(join(root, "etc/passwd"));
  });

  it("refuses a relative host path", () => {
    expect(() => new HostRoot("/tmp").path("proc/cpuinfo")).toThrow(TypeError);
  });
});
