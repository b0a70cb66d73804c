import { existsSync, readdirSync, statSync } from "node:fs";
import { cp, readdir, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, fixtureHostsDir, snapshotFromCapture } from "@vmforge/test-support";
import { renderHostSummary } from "../src/verdicts/render-report.js";
import { checkCase, checkHostRoot, removeSnapshots, type CheckedHost } from "./check-host.js";
import { removeMadeHosts, tempFolder } from "./hand-made-host.js";

afterAll(async () => {
  await removeSnapshots();
  await removeMadeHosts();
});

const KVM_FAIL = /^FAIL {2}((?:cpu|kvm)\.[a-z_.]+): /;

/**
 * The report never contradicts itself: the last line says the host can run KVM guests exactly
 * when no cpu.* or kvm.* line is FAIL, and when it cannot it names every failing one and only
 * those; the short form, the report data and the exit code (host unfit) say the same.
 */
function expectConsistent(host: CheckedHost): void {
  const lines = host.text.split("\n");
  const failed = lines.flatMap((line) => line.match(KVM_FAIL)?.[1] ?? []);
  const summary = lines.at(-1)!;
  expect(failed.length).toBe(host.report.checks.filter((check) => check.status === "fail" && /^(cpu|kvm)\./.test(check.id)).length);
  if (failed.length === 0) {
    expect(summary).toBe("This host can run KVM guests.");
    expect(host.report.kvmUsable).toBe(true);
    expect(host.hostUnfit).toEqual([]);
  } else {
    expect(summary).toMatch(/^This host cannot run KVM guests: /);
    const named = [...summary.matchAll(/(?:: |; )((?:cpu|kvm)\.[a-z_.]+): /g)].map((match) => match[1]);
    expect(named).toEqual(failed);
    expect(host.report.kvmUsable).toBe(false);
    expect(host.hostUnfit.map((reason) => reason.slice(0, reason.indexOf(":")))).toEqual(failed);
  }
  expect(renderHostSummary(host.env, host.report).split("\n")[0]!.endsWith(", no KVM")).toBe(failed.length > 0);
  // One rule for "the kernel has this module": the KVM facts and the module list agree.
  expect(host.env.kvm.modules).toEqual({
    kvm: host.env.modules.relevant.includes("kvm"),
    kvmIntel: host.env.modules.relevant.includes("kvm_intel"),
    kvmAmd: host.env.modules.relevant.includes("kvm_amd"),
  });
}

/** Git stores no empty folder: what a checkout of a snapshot tree lacks. */
async function removeEmptyFolders(dir: string): Promise<boolean> {
  let empty = true;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && (await removeEmptyFolders(join(dir, entry.name)))) await rmdir(join(dir, entry.name));
    else empty = false;
  }
  return empty;
}

const statusOf = (host: CheckedHost, id: string) => host.check(id)?.status;

describe("the summary line follows from the checks", () => {
  const cases = readdirSync(fixtureHostsDir).filter((name) => statSync(join(fixtureHostsDir, name)).isDirectory());

  it.each(cases)("fixture host %s", async (name) => {
    expectConsistent(await checkCase(name));
  });

  it("the bundled example host as git keeps it (kvm in proc/modules, no empty sys/module/kvm): PASS kvm.module, and it can run KVM guests", async () => {
    const root = join(await tempFolder(), "z370-gt1030");
    await cp(join(examplesDir, "hosts", "z370-gt1030"), root, { recursive: true, verbatimSymlinks: true });
    await removeEmptyFolders(root);
    expect(existsSync(join(root, "sys/module/kvm"))).toBe(false);
    const host = await checkHostRoot(root);
    expect(host.check("kvm.module")).toMatchObject({ status: "pass", message: expect.stringContaining("kvm_intel") });
    expect(host.text).not.toMatch(/^FAIL /m);
    expectConsistent(host);
    expect(host.text.split("\n").at(-1)).toBe("This host can run KVM guests.");
  });
});

describe("hand-made snapshots whose files disagree", () => {
  const Z370 = "intel-z370-i5-9400-gt1030-igpu-clean";
  const LIVE = "kvm 1363968 1 kvm_intel, Live 0x0000000000000000\n";

  /** The Z370 host with no KVM at all (no /dev/kvm, no kvm modules), then these files added and paths removed. */
  async function host(files: Record<string, string>, remove: string[] = []): Promise<CheckedHost> {
    const root = await tempFolder();
    await snapshotFromCapture(join(fixtureHostsDir, Z370), root, { kvm: false, files });
    for (const path of remove) await rm(join(root, path), { recursive: true, force: true });
    return checkHostRoot(root);
  }
  const sysModule = (name: string) => ({ [`/sys/module/${name}/parameters/.keep`]: "" });

  it("kvm listed in /proc/modules only (what lsmod reads): loaded", async () => {
    const checked = await host({ "/dev/kvm": "", "/proc/modules": `${LIVE}kvm_intel 413696 0 - Live 0x0000000000000000\n` });
    expect(checked.env.kvm.modules).toEqual({ kvm: true, kvmIntel: true, kvmAmd: false });
    expect(statusOf(checked, "kvm.module")).toBe("pass");
    expectConsistent(checked);
    expect(checked.report.kvmUsable).toBe(true);
  });

  it("kvm under /sys/module only, no /proc/modules (built in, a kernel without module support): loaded", async () => {
    const checked = await host({ "/dev/kvm": "", ...sysModule("kvm"), ...sysModule("kvm_intel") }, ["proc/modules"]);
    expect(checked.env.modules.source).toBe("unavailable");
    expect(statusOf(checked, "kvm.module")).toBe("pass");
    expectConsistent(checked);
    expect(checked.report.kvmUsable).toBe(true);
  });

  it("kvm in one place, kvm_intel in the other: both loaded", async () => {
    const checked = await host({ "/dev/kvm": "", "/proc/modules": LIVE, ...sysModule("kvm_intel") });
    expect(statusOf(checked, "kvm.module")).toBe("pass");
    expectConsistent(checked);
  });

  it("/dev/kvm exists but neither place lists kvm_intel: FAIL kvm.module, and the summary says the host cannot run KVM guests", async () => {
    const checked = await host({ "/dev/kvm": "", "/proc/modules": LIVE });
    expect(checked.check("kvm.module")).toMatchObject({ status: "fail", message: "kvm_intel not loaded" });
    expect(statusOf(checked, "kvm.device")).toBe("pass");
    expectConsistent(checked);
    expect(checked.text.split("\n").at(-1)).toBe("This host cannot run KVM guests: kvm.module: kvm_intel not loaded");
  });

  it("modules loaded but no /dev/kvm: FAIL kvm.device, cannot run", async () => {
    const checked = await host({ "/proc/modules": `${LIVE}kvm_intel 413696 0 - Live 0x0000000000000000\n` });
    expect(statusOf(checked, "kvm.module")).toBe("pass");
    expect(statusOf(checked, "kvm.device")).toBe("fail");
    expectConsistent(checked);
  });

  it("/dev/kvm and the modules, but a CPU without VT-x (inside a VM): FAIL cpu.virtualization, cannot run", async () => {
    const cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i5-9400\nflags\t\t: fpu sse sse2 hypervisor\n";
    const checked = await host({ "/proc/cpuinfo": cpuinfo, "/dev/kvm": "", ...sysModule("kvm"), ...sysModule("kvm_intel") });
    expect(statusOf(checked, "cpu.virtualization")).toBe("fail");
    expect(statusOf(checked, "kvm.module")).toBe("pass");
    expect(statusOf(checked, "kvm.device")).toBe("pass");
    expectConsistent(checked);
    expect(checked.report.kvmUsable).toBe(false);
  });

  it("nothing at all: every KVM check fails, each named once in the summary", async () => {
    const checked = await host({}, ["proc/cpuinfo", "proc/modules", "sys/module"]);
    expect(["cpu.virtualization", "kvm.module", "kvm.device"].map((id) => statusOf(checked, id))).toEqual(["fail", "fail", "fail"]);
    expectConsistent(checked);
  });

  it("vfio modules follow the same rule: listed in /proc/modules only, vfio.modules passes", async () => {
    const checked = await host({ "/dev/kvm": "", "/proc/modules": `${LIVE}kvm_intel 1 0 - Live 0x0\nvfio 1 0 - Live 0x0\nvfio_pci 1 0 - Live 0x0\nvfio_iommu_type1 1 0 - Live 0x0\n` });
    expect(statusOf(checked, "vfio.modules")).toBe("pass");
    expect(checked.env.modules.relevant).toEqual(expect.arrayContaining(["vfio", "vfio_pci", "vfio_iommu_type1"]));
  });
});
