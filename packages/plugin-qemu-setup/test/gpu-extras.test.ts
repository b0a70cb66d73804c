import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { HostRoot } from "@vmforge/kernel";
import { hostInstallTarget } from "../src/host-install.js";
import type { HostEntryKind } from "@vmforge/kernel";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { all, describeWhen, machineOvmfHostRoot, ovmf, ovmfHostRoot, tool } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { lookingGlassSizeMib, lookingGlassTmpfiles } from "../src/looking-glass.js";
import { chooseHugepageSize } from "../src/host-checks/memory.js";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import { pipelineError } from "./support/run-pipeline.js";
import { fakeEnvironment } from "./support/environment.js";
import { QmpSession } from "./support/qmp.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

describe("Looking Glass's size rule", () => {
  it.each([
    [2560, 1440, 64],
    [1920, 1080, 32],
    [3840, 2160, 128],
    [1920, 1200, 32],
    [3440, 1440, 64],
    [5120, 2880, 128],
    [7680, 4320, 512],
    [1, 1, 16],
  ])("%ix%i: %i MiB", (width, height, mib) => {
    expect(lookingGlassSizeMib(width, height)).toBe(mib);
  });

  it("is a power of two that holds two frames and 10 MiB, and the next smaller one does not", () => {
    for (const [width, height] of [[800, 600], [1366, 768], [2560, 1080], [15360, 8640]] as const) {
      const mib = lookingGlassSizeMib(width, height);
      expect(Number.isInteger(Math.log2(mib))).toBe(true);
      const needed = width * height * 8 + 10 * 1024 * 1024;
      expect(mib * 1024 * 1024).toBeGreaterThanOrEqual(needed);
      expect((mib / 2) * 1024 * 1024).toBeLessThan(needed);
    }
  });

  it("the tmpfiles line names owner and group, or - for root's default", () => {
    const lg = { width: 1, height: 1, sizeMib: 16, backing: "shm" as const, path: "/dev/shm/looking-glass", mode: "0660" };
    expect(lookingGlassTmpfiles({ ...lg, owner: "alice", group: "kvm" })).toMatch(/\nf \/dev\/shm\/looking-glass 0660 alice kvm -\n$/);
    expect(lookingGlassTmpfiles({ ...lg, owner: null, group: null })).toMatch(/\nf \/dev\/shm\/looking-glass 0660 - - -\n$/);
  });
});

const haveQemu = all(tool("qemu-system-x86_64", "qemu-system-x86"), ovmf());

describeWhen(haveQemu)("QEMU (TCG) accepts the Looking Glass device and the evdev object", () => {
  it("ivshmem-plain on a memory-backend-file of the planned size; input-linux's options are parsed (it fails only at opening the device)", async () => {
    const dir = await tempDir();
    const toml = join(dir, "vm.toml");
    await writeFile(toml, '[vm]\nname = "lg-real"\naccel = "tcg"\nrun_as = "root"\n[memory]\nsize = "256MiB"\n[looking_glass]\nwidth = 1920\nheight = 1080\n[[input]]\nevdev = "/dev/input/by-id/vmforge-test-none-event-kbd"\ngrab_all = true\nrepeat = true\ngrab_toggle = "scrolllock"\n');
    const { kernel } = await runPipeline(toml, { environment: fakeEnvironment({ kvm: false }), filesRoot: await machineOvmfHostRoot() });
    const definition = kernel.session.get(vmDefinitionKey)!;
    const { argv } = kernel.session.get(qemuCommandKey)!;
    expect(definition.lookingGlass?.sizeMib).toBe(32);
    // In the test the memory is a file of the run folder, not the machine's /dev/shm/looking-glass.
    const memory = join(definition.runDir, "looking-glass.mem");
    const here = argv.map((argument) => argument.replace("mem-path=/dev/shm/looking-glass", `mem-path=${memory}`));
    const evdevIndex = here.findIndex((argument) => argument.startsWith("input-linux,"));
    expect(here[evdevIndex]).toBe("input-linux,id=evdev0,evdev=/dev/input/by-id/vmforge-test-none-event-kbd,grab_all=on,repeat=on,grab-toggle=scrolllock");
    // No evdev device here: QEMU parses every option and stops at opening the file.
    let evdevError = "";
    try {
      execFileSync(here[0]!, [...here.slice(1), "-S"], { stdio: "pipe", timeout: 60_000 });
    } catch (error) {
      evdevError = String((error as { stderr?: Buffer }).stderr);
    }
    expect(evdevError).toContain("Could not open '/dev/input/by-id/vmforge-test-none-event-kbd'");

    const withoutEvdev = [...here.slice(0, evdevIndex - 1), ...here.slice(evdevIndex + 1)];
    const qemu = await QmpSession.start(withoutEvdev, definition.qmpSocket);
    try {
      const pci = await qemu.execute<Array<{ devices: Array<{ qdev_id: string; id: { vendor: number; device: number } }> }>>("query-pci");
      const ivshmem = pci.flatMap((bus) => bus.devices).find((device) => device.qdev_id === "looking-glass-dev");
      // Red Hat's IVSHMEM ids: 1af4:1110, which the Looking Glass host application looks for.
      expect(ivshmem?.id).toMatchObject({ vendor: 0x1af4, device: 0x1110 });
      expect(statSync(memory).size).toBe(32 * 1024 * 1024);
    } finally {
      expect(await qemu.quit()).toBe(0);
    }
    expect(existsSync(memory)).toBe(true);
  });
});

describe("where apply installs a host file (hostInstallTarget)", () => {
  it("below the host root, saying whether the folder is there", async () => {
    const root = await tempDir();
    mkdirSync(join(root, "etc"));
    expect(await hostInstallTarget(new HostRoot(root), "/etc/tmpfiles.d", "vmforge-a.conf")).toEqual({ dir: join(root, "etc", "tmpfiles.d"), path: join(root, "etc", "tmpfiles.d", "vmforge-a.conf"), dirExists: false, fileExists: false });
    mkdirSync(join(root, "etc", "tmpfiles.d"));
    expect((await hostInstallTarget(new HostRoot(root), "/etc/tmpfiles.d", "vmforge-a.conf")).dirExists).toBe(true);
  });

  it("refuses a symlinked folder on the way, a symlink or folder at the file's name, and names with .. or /", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    mkdirSync(join(root, "etc"));
    symlinkSync(outside, join(root, "etc", "tmpfiles.d"));
    const host = new HostRoot(root);
    await expect(hostInstallTarget(host, "/etc/tmpfiles.d", "x.conf")).rejects.toMatchObject({ code: "E_HOST_PATH_REFUSED", exitCode: 2 });
    mkdirSync(join(root, "etc", "libvirt"));
    symlinkSync("/etc/shadow", join(root, "etc", "libvirt", "qemu"));
    await expect(hostInstallTarget(host, "/etc/libvirt", "qemu")).rejects.toThrow(/is a symlink/);
    mkdirSync(join(root, "etc", "libvirt", "dir"));
    await expect(hostInstallTarget(host, "/etc/libvirt", "dir")).rejects.toThrow(/not a regular file/);
    writeFileSync(join(root, "etc", "file"), "");
    await expect(hostInstallTarget(host, "/etc/file/sub", "x")).rejects.toThrow(/not a folder/);
    for (const [dir, name] of [["/etc", ".."], ["/etc", "a/b"], ["/etc/../root", "x"], ["/etc", ""], ["/etc", "a b"]] as const) {
      await expect(hostInstallTarget(host, dir, name)).rejects.toMatchObject({ code: "E_HOST_PATH_REFUSED" });
    }
  });

  it("on another machine (apply --host): that machine's own paths, its folders checked there", async () => {
    // What that machine has, as effects.inspect answers (no following of a last symlink).
    const there = new Map<string, HostEntryKind>([["/etc", "dir"], ["/etc/libvirt", "dir"], ["/etc/libvirt/hooks", "dir"], ["/etc/libvirt/hooks/qemu", "file"], ["/etc/tmpfiles.d", "link"]]);
    const effects = { remote: "ssh://root@gpu-box", inspect: async (path: string) => there.get(path) };
    const host = new HostRoot(await tempDir());
    expect(await hostInstallTarget(host, "/etc/libvirt/hooks", "qemu", effects)).toEqual({ dir: "/etc/libvirt/hooks", path: "/etc/libvirt/hooks/qemu", dirExists: true, fileExists: true });
    expect(await hostInstallTarget(host, "/etc/libvirt/hooks/qemu.d/vm", "x.sh", effects)).toMatchObject({ dir: "/etc/libvirt/hooks/qemu.d/vm", dirExists: false, fileExists: false });
    await expect(hostInstallTarget(host, "/etc/tmpfiles.d", "x.conf", effects)).rejects.toThrow(/on ssh:\/\/root@gpu-box is a symlink/);
    await expect(hostInstallTarget(host, "/etc/libvirt", "hooks", effects)).rejects.toThrow(/not a regular file/);
  });
});

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** A host with the hugepage pools given (the first is the default size). */
function poolsHost(pools: Array<{ sizeBytes: number; total: number; free: number }>): EnvironmentData {
  const env = fakeEnvironment({ kvm: true });
  return { ...env, memory: { ...env.memory, totalBytes: 64 * GiB, availableBytes: 60 * GiB, hugepages: { defaultSizeBytes: pools[0]?.sizeBytes ?? null, pools: pools.map((pool) => ({ ...pool, reserved: 0, surplus: 0 })) } } };
}

describe("the hugepage size", () => {
  const memory = (size: number, hugepage_size?: "2MiB" | "1GiB") => ({ memory: { size, hugepages: true, ...(hugepage_size ? { hugepage_size } : {}) } });
  const both = poolsHost([{ sizeBytes: 2 * MiB, total: 8192, free: 8192 }, { sizeBytes: GiB, total: 16, free: 16 }]);

  it("1 GiB pages when the host has enough free and the RAM is whole GiB, and says why", () => {
    expect(chooseHugepageSize(memory(16 * GiB), both)).toEqual({ sizeBytes: GiB, reason: "the host has 16 free 1 GiB pages and 16GiB is a whole number of them" });
  });

  it("2 MiB otherwise, saying why not 1 GiB", () => {
    expect(chooseHugepageSize(memory(16 * GiB + 512 * MiB), both)).toMatchObject({ sizeBytes: 2 * MiB, reason: expect.stringContaining("is not a whole number of GiB") });
    expect(chooseHugepageSize(memory(32 * GiB), both)).toMatchObject({ sizeBytes: 2 * MiB, reason: "only 16 1 GiB pages are free, 32 needed, so 2MiB pages" });
    expect(chooseHugepageSize(memory(4 * GiB), poolsHost([{ sizeBytes: 2 * MiB, total: 4096, free: 4096 }]))).toMatchObject({ sizeBytes: 2 * MiB, reason: expect.stringContaining("no 1 GiB pages reserved") });
  });

  it("hugepage_size forces either", () => {
    expect(chooseHugepageSize(memory(16 * GiB, "2MiB"), both)).toEqual({ sizeBytes: 2 * MiB, reason: 'hugepage_size = "2MiB"' });
    expect(chooseHugepageSize(memory(8 * GiB, "1GiB"), both)).toEqual({ sizeBytes: GiB, reason: 'hugepage_size = "1GiB"' });
  });

  it("through the pipeline: memfd with hugetlbsize=1G, and the plan says which and why", async () => {
    const toml = join(await tempDir(), "vm.toml");
    await writeFile(toml, '[vm]\nname = "huge"\naccel = "kvm"\n[memory]\nsize = "8GiB"\nhugepages = true\n');
    const { kernel } = await runPipeline(toml, { environment: both, filesRoot: await ovmfHostRoot() });
    const definition = kernel.session.get(vmDefinitionKey)!;
    expect(definition.memory).toMatchObject({ hugepages: true, hugepageSizeBytes: GiB });
    expect(kernel.session.get(qemuCommandKey)!.argv).toContain(`memory-backend-memfd,id=mem0,size=8192M,hugetlb=on,hugetlbsize=${GiB},share=on,prealloc=on`);
    expect(kernel.ui.history().map((message) => ("text" in message ? message.text : "")).join("\n")).toContain("Memory: 8192 MiB on 1 GiB hugepages (the host has 16 free 1 GiB pages and 8GiB is a whole number of them)");
  });

  it("1GiB forced on a host without 1 GiB pages: an error at hugepage_size with the boot parameter", async () => {
    const toml = join(await tempDir(), "vm.toml");
    await writeFile(toml, '[vm]\nname = "huge"\naccel = "kvm"\n[memory]\nsize = "8GiB"\nhugepages = true\nhugepage_size = "1GiB"\n');
    const error = await pipelineError(toml, { environment: poolsHost([{ sizeBytes: 2 * MiB, total: 8192, free: 8192 }]), filesRoot: await ovmfHostRoot() });
    expect(error.problems).toEqual([expect.objectContaining({ code: "E_HUGEPAGES_UNAVAILABLE", keyPath: "memory.hugepage_size", fix: expect.stringContaining("hugepagesz=1G hugepages=8") })]);
  });

  it("hugepage_size without hugepages is refused at its key", async () => {
    const toml = join(await tempDir(), "vm.toml");
    await writeFile(toml, '[vm]\nname = "huge"\n[memory]\nhugepage_size = "1GiB"\n');
    const error = await pipelineError(toml, { environment: both });
    expect(JSON.stringify(error.problems)).toContain("hugepage_size only applies with hugepages = true");
  });
});
