import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { all, describeWhen, machineOvmfHostRoot, ovmf, tool } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { lookingGlassSizeMib, lookingGlassTmpfiles } from "../src/looking-glass.js";
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
