import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { cp, mkdir, readFile, readdir, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { lstatSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kernel, isVmforgeError } from "@vmforge/kernel";
import { plugin as envPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as qemuPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { examplesDir } from "@vmforge/test-support";
import { plugin as vfioPlugin } from "../src/plugin.js";
import { exampleHostAt, tempDir } from "./support/fixture-host.js";
import { foreignChanges, treeState } from "./support/tree-state.js";

/*
 * `vmforge apply examples/gpu-passthrough.toml --bind-vfio --host-root TREE`, in process, on
 * copies of the example host with hostile changes: FIFOs, symlinks leading out of the root
 * (absolute and climbing), symlink loops, huge sparse files. The run goes as far as the
 * binding (qemu_setup:configure_vfio and what it needs); the disk image and OVMF stages after
 * it write only below --out. Whatever the tree, the run never writes outside attribute files
 * of the tree's /sys, ends within 5 s, grows memory by less than 200 MB, and ends either well
 * or with a VmforgeError that is not a crash.
 */

const MUTATIONS = ["fifo", "absolute-out", "absolute-etc", "climb-out", "climb-etc", "loop", "loop-pair", "huge"] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Where a mutation hurts most: the passed-through functions, their driver, the binding attributes, what env-check reads. */
const FOCUS = [
  "sys/bus/pci/devices/0000:01:00.0",
  "sys/bus/pci/devices/0000:01:00.1",
  "sys/bus/pci/drivers_probe",
  "sys/bus/pci/drivers/snd_hda_intel",
  "sys/bus/pci/drivers/snd_hda_intel/unbind",
  "sys/bus/pci/drivers/vfio-pci",
  "sys/devices/pci0000:00/0000:01:00.0",
  "sys/devices/pci0000:00/0000:01:00.0/driver_override",
  "sys/devices/pci0000:00/0000:01:00.0/iommu_group",
  "sys/devices/pci0000:00/0000:01:00.1/driver",
  "sys/devices/pci0000:00/0000:01:00.1/driver_override",
  "sys/kernel/iommu_groups/2",
  "proc/cpuinfo",
];

const HUGE = 3 * 1024 ** 3;
const DEADLINE_MS = 5_000;
const MEMORY_BUDGET = 200 * 1024 * 1024;
/** What ends a run that vmforge should have handled: a crash, not a refusal. */
const CRASH_CODES = ["E_INTERNAL", "E_STAGE_FAILED", "E_STAGE_LOAD", "E_HOOK_FAILED", "E_PREFLIGHT_CRASHED"];

describe("any host-root tree built from the example host", () => {
  let template: string;
  let entries: string[];
  let config: string;
  const bases: string[] = [];

  beforeAll(async () => {
    template = join(await tempDir("vmforge-vfio-tree-template-"), "root");
    await exampleHostAt(template);
    entries = await listEntries(template);
    config = await readFile(join(examplesDir, "gpu-passthrough.toml"), "utf8");
  });

  afterAll(async () => {
    await Promise.all(bases.map((base) => rm(base, { recursive: true, force: true })));
  });

  it("never writes outside <tree>/sys attribute files, never hangs over 5 s, never grows memory by 200 MB, never crashes", { timeout: 90_000 }, async () => {
    const target = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...FOCUS) }, { weight: 1, arbitrary: fc.constantFrom(...entries) });
    const mutations = fc.array(fc.tuple(target, fc.constantFrom(...MUTATIONS)), { minLength: 1, maxLength: 4 });
    const outcomes = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(mutations, async (changes) => {
        const base = await tempDir("vmforge-vfio-tree-");
        bases.push(base);
        const root = join(base, "root");
        await cp(template, root, { recursive: true, verbatimSymlinks: true });
        await plantOutside(base, root);
        for (const [path, mutation] of changes) await mutate(base, root, path, mutation);
        const work = await tempDir("vmforge-vfio-tree-run-");
        bases.push(work);
        const configPath = join(work, "gaming.toml");
        await writeFile(configPath, config);

        const before = await treeState(base);
        const baseline = process.memoryUsage.rss();
        let peak = baseline;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), DEADLINE_MS)));
        const run = apply(root, configPath, work).then(
          () => ({ code: "ok" }),
          (error: unknown) => ({ code: isVmforgeError(error) ? error.code : "E_INTERNAL", error }),
        );
        const outcome = await Promise.race([run, deadline]);
        clearTimeout(timer);
        clearInterval(sampler);
        peak = Math.max(peak, process.memoryUsage.rss());

        expect(outcome, `${JSON.stringify(changes)}: still running after ${DEADLINE_MS} ms`).not.toBe("hung");
        const { code, error } = outcome as { code: string; error?: unknown };
        const problems = isVmforgeError(error) ? error.problems.map((problem) => problem.code) : [];
        expect([code, ...problems].filter((seen) => CRASH_CODES.includes(seen)), `${JSON.stringify(changes)}: ${String((error as Error | undefined)?.message ?? "")}`).toEqual([]);
        expect(peak - baseline, "memory growth").toBeLessThan(MEMORY_BUDGET);
        expect(foreignChanges(before, await treeState(base), "root"), JSON.stringify(changes)).toEqual([]);

        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      }),
      {
        numRuns: 32,
        seed: 30,
        // Always tried too: the escapes a binding meets first, and the reads that would hang or fill memory.
        examples: [
          [[["sys/bus/pci/drivers/snd_hda_intel", "absolute-etc"]]],
          [[["sys/devices/pci0000:00/0000:01:00.1/driver", "climb-etc"]]],
          [[["sys/bus/pci/drivers_probe", "climb-out"]]],
          [[["sys/devices/pci0000:00/0000:01:00.0/driver_override", "fifo"]]],
          [[["sys/devices/pci0000:00/0000:01:00.0/driver_override", "huge"]]],
          [[["proc/cpuinfo", "fifo"]]],
          [[["proc/cpuinfo", "huge"]]],
          [[["sys/bus/pci/devices/0000:01:00.0", "loop"]]],
        ],
      },
    );
    // Not vacuous: the mutations reach the binding's refusals, and some runs still bind.
    expect(outcomes.get("ok") ?? 0, JSON.stringify([...outcomes])).toBeGreaterThan(0);
    expect(outcomes.get("E_VFIO_WRITE_REFUSED") ?? 0, JSON.stringify([...outcomes])).toBeGreaterThan(0);
  });
});

/** env-check, qemu-setup and this plugin through the kernel, up to the binding: `apply --bind-vfio --host-root ROOT --out OUT`. */
async function apply(root: string, configPath: string, work: string): Promise<void> {
  const kernel = new Kernel({ dryRun: false, hostRoot: root, outputDir: join(work, "out"), env: { VMFORGE_DATA_HOME: join(work, "data"), VMFORGE_CONFIG_HOME: join(work, "config"), HOME: work } });
  await kernel.use(envPlugin);
  await kernel.use(qemuPlugin);
  await kernel.use(vfioPlugin);
  await kernel.run({ input: { configPath, flags: { bindVfio: true } }, selection: { targetStages: ["qemu_setup:configure_vfio"] } });
}

/** Every file, folder and symlink below `root`, relative, not through symlinks. */
async function listEntries(root: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    found.push(path);
    if (entry.isDirectory()) found.push(...(await listEntries(root, path)));
  }
  return found;
}

/** Files named like every attribute and host file, outside the root and in its /etc/cron.d, for an escape to land on. */
async function plantOutside(base: string, root: string): Promise<void> {
  for (const dir of [join(base, "outside"), join(root, "etc/cron.d")]) {
    await mkdir(dir, { recursive: true });
    for (const name of ["driver_override", "bind", "unbind", "drivers_probe", "cpuinfo", "class", "evil"]) await writeFile(join(dir, name), "canary\n");
  }
}

async function mutate(base: string, root: string, path: string, mutation: Mutation): Promise<void> {
  const at = join(root, path);
  // An earlier mutation may have replaced a folder on the way.
  if (!isRealFolder(root, dirname(path))) return;
  const replace = async (): Promise<void> => rm(at, { recursive: true, force: true });
  switch (mutation) {
    case "fifo":
      await replace();
      spawnSync("mkfifo", [at]);
      return;
    case "absolute-out":
      await replace();
      return symlink(join(base, "outside"), at);
    case "absolute-etc":
      await replace();
      return symlink("/etc/cron.d", at);
    case "climb-out":
      await replace();
      return symlink(relative(dirname(at), join(base, "outside")), at);
    case "climb-etc":
      await replace();
      return symlink(`${"../".repeat(path.split("/").length + 3)}etc/cron.d`, at);
    case "loop":
      await replace();
      return symlink(basename(at), at);
    case "loop-pair":
      await replace();
      await rm(`${at}.twin`, { force: true });
      await symlink(`${basename(at)}.twin`, at);
      return symlink(basename(at), `${at}.twin`);
    case "huge":
      if (!lstatSync(at, { throwIfNoEntry: false })?.isFile()) {
        await replace();
        await writeFile(at, "");
      }
      return truncate(at, HUGE);
  }
}

function isRealFolder(root: string, path: string): boolean {
  let current = root;
  for (const part of path.split("/").filter(Boolean)) {
    current = join(current, part);
    if (!lstatSync(current, { throwIfNoEntry: false })?.isDirectory()) return false;
  }
  return true;
}
