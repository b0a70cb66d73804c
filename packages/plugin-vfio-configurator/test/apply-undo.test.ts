import { spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { VmforgeError } from "@vmforge/kernel";
import { vfioPlanKey, type SysfsWrite, type VfioPlan } from "../src/contract.js";
import { addDriver, allowWrites, changedPaths, copyTree, fixtureHost, readTree, refuseWrites } from "./support/fixture-host.js";
import { runUndo } from "./support/command.js";
import { pipelineError, runPipeline } from "./support/pipeline.js";
import { tomlWith } from "./support/request.js";

/** The file a host path lands in below `root`, relative to it (through the device and driver links). */
async function landsIn(root: string, hostPath: string): Promise<string> {
  const base = await realpath(root);
  return relative(base, join(await realpath(join(root, dirname(hostPath))), basename(hostPath)));
}

async function filesOf(root: string, steps: readonly SysfsWrite[]): Promise<string[]> {
  return [...new Set(await Promise.all(steps.map((step) => landsIn(root, step.path))))].sort();
}

const bindStepsOf = (plan: VfioPlan): SysfsWrite[] => plan.functions.flatMap((fn) => fn.bind);
const undoStepsOf = (plan: VfioPlan): SysfsWrite[] => [...plan.functions].reverse().flatMap((fn) => fn.undo);

async function bound(caseName: string, passthrough: Array<Record<string, string | boolean>>, options: Parameters<typeof fixtureHost>[1] = {}) {
  const { root: snapshot } = await fixtureHost(caseName, options);
  const root = await copyTree(snapshot);
  // On a real host /sys/bus/pci/drivers/vfio-pci exists once the module is loaded; the undo writes there.
  await addDriver(root, "vfio-pci");
  const before = await readTree(root);
  const run = await runPipeline({ hostRoot: root, toml: tomlWith("htpc", passthrough), dryRun: false, bindVfio: true });
  const plan = run.kernel.session.get(vfioPlanKey)!;
  return { root, before, after: await readTree(root), plan, ...run };
}

describe("apply --bind-vfio on a writable copy of the Z370 snapshot (GT 1030 unbound, its audio on snd_hda_intel)", () => {
  it("changes exactly the sysfs files the plan lists, in the plan's order, after writing the undo journal", async () => {
    const { root, before, after, plan, report, dataHome } = await bound("intel-z370-i5-9400-gt1030-igpu-clean", [{ address: "0000:01:00.0" }]);
    const steps = bindStepsOf(plan);
    expect(steps).toHaveLength(5);
    expect(changedPaths(before, after)).toEqual(await filesOf(root, steps));
    expect(changedPaths(before, after)).toEqual([
      "sys/bus/pci/drivers/snd_hda_intel/unbind",
      "sys/bus/pci/drivers_probe",
      "sys/devices/pci0000:00/0000:01:00.0/driver_override",
      "sys/devices/pci0000:00/0000:01:00.1/driver_override",
    ]);
    expect(after.get("sys/devices/pci0000:00/0000:01:00.0/driver_override")).toBe("vfio-pci");
    expect(after.get("sys/devices/pci0000:00/0000:01:00.1/driver_override")).toBe("vfio-pci");
    expect(after.get("sys/bus/pci/drivers/snd_hda_intel/unbind")).toBe("0000:01:00.1");

    const sysfs = report.effects.filter((effect) => effect.kind === "sysfs-write");
    expect(sysfs.map((effect) => [effect.path, effect.value, effect.status])).toEqual(steps.map((step) => [step.path, step.value, "done"]));
    const journalWrite = report.effects.findIndex((effect) => effect.kind === "write-file" && effect.path?.endsWith("vfio-undo.json"));
    expect(journalWrite).toBeGreaterThanOrEqual(0);
    expect(journalWrite).toBeLessThan(report.effects.indexOf(sysfs[0]!));

    expect((await stat(join(dataHome, "vms/htpc/vfio-undo.json"))).mode & 0o777).toBe(0o600);
    const journal = JSON.parse(await readFile(join(dataHome, "vms/htpc/vfio-undo.json"), "utf8"));
    expect(journal).toEqual({
      schemaVersion: 1,
      vm: "htpc",
      hostRoot: root,
      functions: [
        { address: "0000:01:00.0", originalDriver: null, originalDriverOverride: "" },
        { address: "0000:01:00.1", originalDriver: "snd_hda_intel", originalDriverOverride: "" },
      ],
      undo: undoStepsOf(plan),
      restored: false,
    });
  });

  it("vmforge vfio undo restores them: driver_override cleared, the audio function given back to snd_hda_intel, the GPU left unbound as it was", async () => {
    const { root, after, plan, env, dataHome } = await bound("intel-z370-i5-9400-gt1030-igpu-clean", [{ address: "0000:01:00.0" }]);
    const { exitCode, stdout, kernel } = await runUndo(["htpc", "--host-root", root], { hostRoot: root, env });
    expect(exitCode).toBe(0);
    const undone = await readTree(root);
    const undo = undoStepsOf(plan);
    expect(changedPaths(after, undone)).toEqual(await filesOf(root, undo));
    expect(undone.get("sys/devices/pci0000:00/0000:01:00.0/driver_override")).toBe("\n");
    expect(undone.get("sys/devices/pci0000:00/0000:01:00.1/driver_override")).toBe("\n");
    expect(undone.get("sys/bus/pci/drivers/snd_hda_intel/bind")).toBe("0000:01:00.1");
    expect(undone.get("sys/bus/pci/drivers/vfio-pci/unbind")).toBe("0000:01:00.0");
    expect([...undone.keys()].some((path) => path.startsWith("sys/bus/pci/drivers/nvidia"))).toBe(false);
    expect(kernel.effectLog.records.filter((record) => record.kind === "sysfs-write").map((record) => [record.path, record.value, record.status])).toEqual(undo.map((step) => [step.path, step.value, "done"]));
    expect(stdout).toContain("0000:01:00.1: back to snd_hda_intel");
    expect(JSON.parse(await readFile(join(dataHome, "vms/htpc/vfio-undo.json"), "utf8")).restored).toBe(true);

    const again = await runUndo(["htpc"], { hostRoot: root, env });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("Nothing to undo");
    expect(await readTree(root)).toEqual(undone);
  });
});

describe("apply --bind-vfio of the x570 GT 710 (nvidia + snd_hda_intel, allowed as the host GPU)", () => {
  it("unbinds both drivers, and undo binds nvidia and snd_hda_intel back", async () => {
    const { root, before, after, plan, env } = await bound("amd-ryzen-x570-rx570-vfio-gt710-host", [{ address: "0000:24:00.0", allow_host_gpu: true }]);
    // Single-GPU passthrough: apply also installs the libvirt hooks and their dispatcher.
    const hooks = ["etc/libvirt/hooks/qemu", "etc/libvirt/hooks/qemu.d/htpc/prepare/begin/10-vmforge-detach.sh", "etc/libvirt/hooks/qemu.d/htpc/release/end/10-vmforge-reattach.sh"];
    expect(changedPaths(before, after)).toEqual([...hooks, ...(await filesOf(root, bindStepsOf(plan)))]);
    expect(after.get("sys/bus/pci/drivers/nvidia/unbind")).toBe("0000:24:00.0");
    await runUndo(["htpc"], { hostRoot: root, env });
    const undone = await readTree(root);
    expect(undone.get("sys/bus/pci/drivers/nvidia/bind")).toBe("0000:24:00.0");
    expect(undone.get("sys/bus/pci/drivers/snd_hda_intel/bind")).toBe("0000:24:00.1");
  });
});

describe("dry run and failures", () => {
  it("a dry run with --bind-vfio records every write as planned and writes no sysfs file and no journal", async () => {
    const { root: snapshot } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const root = await copyTree(snapshot);
    const before = await readTree(root);
    const { kernel, report, dataHome } = await runPipeline({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:01:00.0" }]), dryRun: true, bindVfio: true });
    expect(await readTree(root)).toEqual(before);
    const plan = kernel.session.get(vfioPlanKey)!;
    const sysfs = report.effects.filter((effect) => effect.kind === "sysfs-write");
    expect(sysfs.map((effect) => [effect.path, effect.value, effect.status])).toEqual(bindStepsOf(plan).map((step) => [step.path, step.value, "planned"]));
    expect(report.effects.find((effect) => effect.path?.endsWith("vfio-undo.json"))).toMatchObject({ status: "planned" });
    await expect(stat(join(dataHome, "vms/htpc/vfio-undo.json"))).rejects.toThrow();
  });

  it("plan (dry run, no --bind-vfio) records no sysfs write at all", async () => {
    const { root } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const { report } = await runPipeline({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:01:00.0" }]), dryRun: true });
    expect(report.effects.filter((effect) => effect.kind === "sysfs-write")).toEqual([]);
  });

  it("a write that fails stops the binding, keeps the journal, and says how to undo", async (context) => {
    const { root: snapshot } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const root = await copyTree(snapshot);
    const probe = join(root, "sys/bus/pci/drivers_probe");
    if (!(await refuseWrites(probe))) context.skip();
    try {
      const dataHome = join(root, "..", "data");
      const error: VmforgeError = await pipelineError({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:01:00.0" }]), dryRun: false, bindVfio: true, dataHome });
      expect(error.code).toBe("E_VFIO_BIND_FAILED");
      expect(error.message).toContain("after 1 of 5");
      expect(error.fix).toContain("vmforge vfio undo htpc");
      expect(JSON.parse(await readFile(join(dataHome, "vms/htpc/vfio-undo.json"), "utf8")).functions).toHaveLength(2);
    } finally {
      await allowWrites(probe);
    }
  });

  it("an attribute that is a folder, a FIFO or missing in the host root refuses the binding before anything is written, journal included", async () => {
    const { root: snapshot } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    for (const plant of ["folder", "fifo", "missing"] as const) {
      const root = await copyTree(snapshot);
      const probe = join(root, "sys/bus/pci/drivers_probe");
      await rm(probe);
      if (plant === "folder") await mkdir(probe);
      if (plant === "fifo") expect(spawnSync("mkfifo", [probe]).status).toBe(0);
      const before = await readTree(root);
      const dataHome = join(root, "..", "data");
      const error: VmforgeError = await pipelineError({ hostRoot: root, toml: tomlWith("htpc", [{ address: "0000:01:00.0" }]), dryRun: false, bindVfio: true, dataHome });
      expect(error, plant).toMatchObject({ code: "E_VFIO_WRITE_REFUSED", exitCode: 2 });
      expect(error.problems.map((problem) => problem.code), plant).toEqual(Array(2).fill(plant === "missing" ? "E_SYSFS_NO_ATTRIBUTE" : "E_SYSFS_PATH_REFUSED"));
      expect(error.fix).toContain(root);
      expect(await readTree(root)).toEqual(before);
      await expect(stat(join(dataHome, "vms/htpc/vfio-undo.json"))).rejects.toThrow();
    }
  });

  it("binding again before an undo keeps the drivers the first journal recorded", async () => {
    const first = await bound("intel-z370-i5-9400-gt1030-igpu-clean", [{ address: "0000:01:00.0" }]);
    // The snapshot does not move the driver links; pretend the kernel did for the audio function.
    const { symlink, unlink } = await import("node:fs/promises");
    const link = join(first.root, "sys/devices/pci0000:00/0000:01:00.1/driver");
    await unlink(link);
    await symlink("../../../bus/pci/drivers/vfio-pci", link);
    await runPipeline({ hostRoot: first.root, toml: tomlWith("htpc", [{ address: "0000:01:00.0" }]), dryRun: false, bindVfio: true, dataHome: first.dataHome });
    const journal = JSON.parse(await readFile(join(first.dataHome, "vms/htpc/vfio-undo.json"), "utf8"));
    expect(journal.functions).toContainEqual({ address: "0000:01:00.1", originalDriver: "snd_hda_intel", originalDriverOverride: "" });
  });

  it("an earlier journal others may change is not built on: the binding is refused before any write", async () => {
    const first = await bound("intel-z370-i5-9400-gt1030-igpu-clean", [{ address: "0000:01:00.0" }]);
    const journalPath = join(first.dataHome, "vms/htpc/vfio-undo.json");
    await chmod(journalPath, 0o666);
    const before = await readTree(first.root);
    const error: VmforgeError = await pipelineError({ hostRoot: first.root, toml: tomlWith("htpc", [{ address: "0000:01:00.0" }]), dryRun: false, bindVfio: true, dataHome: first.dataHome });
    expect(error).toMatchObject({ code: "E_VFIO_UNDO_JOURNAL_UNSAFE", exitCode: 2 });
    expect(error.message).toContain(journalPath);
    expect(await readTree(first.root)).toEqual(before);
    expect((await stat(journalPath)).mode & 0o777).toBe(0o666);
  });
});

describe("vmforge vfio undo: its own errors", () => {
  it("no journal: exit 2 naming the VM", async () => {
    const { root } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    await expect(runUndo(["nothing-here"], { hostRoot: root, env: { VMFORGE_DATA_HOME: join(root, "..", "data") } })).rejects.toMatchObject({ code: "E_VFIO_UNDO_NO_JOURNAL", exitCode: 2 });
  });

  it("a bad or missing name: usage error", async () => {
    const { root } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const env = { VMFORGE_DATA_HOME: join(root, "..", "data") };
    await expect(runUndo([], { hostRoot: root, env })).rejects.toMatchObject({ code: "E_VFIO_UNDO_USAGE", exitCode: 2 });
    await expect(runUndo(["../etc"], { hostRoot: root, env })).rejects.toMatchObject({ code: "E_VFIO_UNDO_USAGE" });
  });

  it("a journal written for another host root is refused", async () => {
    const { root, env } = await bound("intel-z370-i5-9400-gt1030-igpu-clean", [{ address: "0000:01:00.0" }]);
    const other = await copyTree(root);
    await expect(runUndo(["htpc"], { hostRoot: other, env })).rejects.toMatchObject({ code: "E_VFIO_UNDO_HOST_MISMATCH", fix: expect.stringContaining(`--host-root ${root}`) });
  });

  it("--dry-run prints the writes and changes nothing; --json prints them as data", async () => {
    const { root, after, env, plan } = await bound("intel-z370-i5-9400-gt1030-igpu-clean", [{ address: "0000:01:00.0" }]);
    const { stdout } = await runUndo(["htpc", "--dry-run", "--json"], { hostRoot: root, env, json: true });
    expect(await readTree(root)).toEqual(after);
    const document = JSON.parse(stdout);
    expect(document).toMatchObject({ vm: "htpc", dryRun: true, restored: false });
    expect(document.writes.map((write: { path: string; status: string }) => [write.path, write.status])).toEqual(undoStepsOf(plan).map((step) => [step.path, "planned"]));
  });
});
