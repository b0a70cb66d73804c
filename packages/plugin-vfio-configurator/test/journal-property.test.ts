import fc from "fast-check";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isVmforgeError } from "@vmforge/kernel";
import { parseVfioWrite, vfioWriteProblem } from "../src/apply/vfio-writes.js";
import { bindSteps, undoSteps } from "../src/planner/binding-steps.js";
import { runUndo } from "./support/command.js";
import { exampleHostAt, tempDir } from "./support/fixture-host.js";
import { changedEntries, foreignChanges, plantCanaries, treeState } from "./support/tree-state.js";

const ADDRESSES = ["0000:01:00.0", "0000:01:00.1", "0000:00:02.0", "0000:00:1f.3", "0000:99:00.0"];
/** Real drivers, planted links (see below), names that are no driver. */
const DRIVERS = ["snd_hda_intel", "vfio-pci", "evil-out", "evil-abs", "evil-dev", "loop", "nosuchdriver", "..", ".", "", "a/b", "snd_hda_intel/../../../../etc/cron.d"];
const SEGMENTS = ["sys", "bus", "pci", "devices", "drivers", "..", ".", "", "driver", "driver_override", "bind", "unbind", "drivers_probe", "new_id", "etc", "cron.d", "evil", ...ADDRESSES, ...DRIVERS.filter((name) => name && !name.includes("/")), "a\0b", "x".repeat(300)];
const SEPARATORS = ["/", "/", "/", "//", "/./", "/../"];

describe("vfio writes", () => {
  it("every write the planner makes, for any address and driver name, is one the checks accept", () => {
    const address = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 7 })).map(([d, b, s, f]) => `${hex(d, 4)}:${hex(b, 2)}:${hex(s, 2)}.${f}`);
    const driver = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,30}$/);
    fc.assert(
      fc.property(address, fc.option(driver, { nil: null }), fc.oneof(fc.constant(""), driver), (addr, current, override) => {
        for (const step of [...bindSteps(addr, current), ...undoSteps(addr, current, override)]) {
          expect(vfioWriteProblem(step), step.path).toBeUndefined();
          expect(parseVfioWrite(step.path)).toBeDefined();
        }
      }),
      { numRuns: 300, seed: 10 },
    );
  });
});

describe("any vfio-undo.json content", () => {
  let base: string;
  let root: string;
  let dataHome: string;

  beforeAll(async () => {
    base = await tempDir("vmforge-vfio-journal-property-");
    root = join(base, "root");
    await exampleHostAt(root);
    await plantCanaries(base, root);
    // Driver folders that lead out of /sys: to the root's /etc/cron.d (which has bind, unbind... canaries), to the machine's (absolute), to /dev, and a loop.
    await symlink("../../../../etc/cron.d", join(root, "sys/bus/pci/drivers/evil-out"));
    await symlink(join(base, "etc/cron.d"), join(root, "sys/bus/pci/drivers/evil-abs"));
    await symlink("/etc/cron.d", join(root, "sys/bus/pci/drivers/evil-dev"));
    await symlink("loop", join(root, "sys/bus/pci/drivers/loop"));
    await symlink("/etc", join(root, "sys/bus/pci/devices/0000:99:00.0"));
    dataHome = join(await tempDir("vmforge-vfio-journal-data-"), "data");
  });

  it("never writes outside the attribute files of <root>/sys, never crashes, and writes nothing in a dry run", { timeout: 60_000 }, async () => {
    const separated = fc
      .array(fc.tuple(fc.constantFrom(...SEPARATORS), fc.constantFrom(...SEGMENTS)), { maxLength: 10 })
      .map((parts) => parts.map(([separator, segment]) => `${separator}${segment}`).join(""));
    const path = fc.oneof(
      separated.map((rest) => `/sys/bus/pci${rest}`),
      separated,
      fc.constantFrom(...ADDRESSES).chain((address) => fc.constantFrom(...bindSteps(address, "snd_hda_intel"), ...undoSteps(address, "evil-out", "vfio-pci")).map((step) => step.path)),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.constant(`/sys/bus/pci/${"a/".repeat(3000)}x`),
    );
    const value = fc.oneof(fc.constantFrom(...ADDRESSES, "\n", "vfio-pci", "snd_hda_intel", "0000:01:00.0\0x", "x".repeat(5000)), fc.string({ unit: "binary", maxLength: 20 }));
    const step = fc.record({ path, value, description: fc.string({ maxLength: 10 }) });
    const fn = fc.record({
      address: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ADDRESSES) }, { weight: 1, arbitrary: fc.string({ maxLength: 14 }) }),
      originalDriver: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(null, "snd_hda_intel", "vfio-pci") }, { weight: 2, arbitrary: fc.constantFrom(...DRIVERS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
      originalDriverOverride: fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom(...DRIVERS) }),
    });
    const goodFn = fc.record({ address: fc.constantFrom(...ADDRESSES.slice(0, 4)), originalDriver: fc.constantFrom(null, "snd_hda_intel", "vfio-pci"), originalDriverOverride: fc.constant("") });
    const hostRoot = fc.constantFrom(root, "/", "relative", `${root}/..`, `${root}/`);
    const anyShape = fc.record(
      { schemaVersion: fc.oneof(fc.constant(1), fc.jsonValue()), vm: fc.oneof(fc.constant("gaming"), fc.string()), hostRoot, functions: fc.array(fn, { maxLength: 4 }), undo: fc.array(step, { maxLength: 6 }), restored: fc.oneof(fc.constant(false), fc.boolean()) },
      { requiredKeys: [] },
    );
    // A journal as the planner writes it for some functions (good ones mostly, so that some pass every check and really write), with forged steps slipped in.
    const plannerShaped = fc
      .tuple(
        fc.array(fc.oneof({ weight: 3, arbitrary: goodFn }, { weight: 1, arbitrary: fn }), { minLength: 1, maxLength: 3 }),
        fc.oneof(fc.constant([]), fc.array(fc.tuple(fc.nat(), step), { minLength: 1, maxLength: 2 })),
      )
      .map(([functions, forged]) => {
        const undo: unknown[] = functions.flatMap((entry) => undoSteps(entry.address, entry.originalDriver, entry.originalDriverOverride));
        for (const [at, forgedStep] of forged) undo.splice(at % (undo.length + 1), 0, forgedStep);
        return { schemaVersion: 1, vm: "gaming", hostRoot: root, functions, undo, restored: false };
      });
    const content = fc.oneof(
      { weight: 1, arbitrary: fc.jsonValue().map((json) => JSON.stringify(json)) },
      { weight: 3, arbitrary: anyShape.map((json) => JSON.stringify(json)) },
      { weight: 4, arbitrary: plannerShaped.map((json) => JSON.stringify(json)) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    );

    const journalPath = join(dataHome, "vms/gaming/vfio-undo.json");
    await mkdir(dirname(journalPath), { recursive: true });
    let wrote = 0;
    await fc.assert(
      fc.asyncProperty(content, fc.boolean(), async (text, dryRun) => {
        await writeFile(journalPath, text);
        await chmod(journalPath, 0o600);
        const before = await treeState(base);
        const outcome = await runUndo(["gaming", "--host-root", root, ...(dryRun ? ["--dry-run"] : [])], { hostRoot: root, env: { VMFORGE_DATA_HOME: dataHome } }).then(
          (run) => {
            if (run.kernel.effectLog.records.some((record) => record.kind === "sysfs-write" && record.status === "done")) wrote += 1;
            return { exitCode: run.exitCode, error: undefined };
          },
          (error: unknown) => ({ exitCode: undefined, error }),
        );
        if (outcome.error !== undefined) {
          expect(isVmforgeError(outcome.error), String(outcome.error)).toBe(true);
          expect([1, 2]).toContain((outcome.error as { exitCode: number }).exitCode);
        }
        const after = await treeState(base);
        if (dryRun) expect(changedEntries(before, after)).toEqual([]);
        else expect(foreignChanges(before, after, "root")).toEqual([]);
      }),
      { numRuns: 200, seed: 20 },
    );
    // Not vacuous: some journals were good ones and did write.
    expect(wrote).toBeGreaterThan(5);
  });
});

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}
