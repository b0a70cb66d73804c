import { spawnSync } from "node:child_process";
import { chmod, chown, lstat, mkdir, rm, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "@vmforge/test-support";
import { undoSteps } from "../src/planner/binding-steps.js";
import { runCli } from "./support/cli.js";
import { exampleHostAt, tempDir } from "./support/fixture-host.js";
import { changedEntries, plantCanaries, treeState } from "./support/tree-state.js";

/*
 * `vmforge vfio undo` through the real CLI (`pnpm build` first) against forged journals and
 * planted host roots. Every attack ends with exit 2, a message that says what is wrong, and
 * not one byte changed anywhere: not in the root, not beside it, not in the journal.
 */

interface JournalFunction {
  address: string;
  originalDriver: string | null;
  originalDriverOverride: string;
}

/** The GT 1030 of the example host: the GPU had no driver, its audio function snd_hda_intel. */
const GT1030: JournalFunction[] = [
  { address: "0000:01:00.0", originalDriver: null, originalDriverOverride: "" },
  { address: "0000:01:00.1", originalDriver: "snd_hda_intel", originalDriverOverride: "" },
];

/** A writable copy of the example host as a real one has it bound (vfio-pci loaded), canaries around it. */
async function boundExampleHost() {
  const base = await tempDir("vmforge-vfio-attack-");
  const root = join(base, "root");
  await exampleHostAt(root);
  await plantCanaries(base, root);
  const configHome = join(base, "config");
  await mkdir(configHome);
  const dataHome = join(base, "data");
  return { base, root, dataHome, configHome, journalPath: join(dataHome, "vms/gaming/vfio-undo.json") };
}
type Host = Awaited<ReturnType<typeof boundExampleHost>>;

function journalOf(host: Host, functions: JournalFunction[] = GT1030): Record<string, unknown> {
  return {
    schemaVersion: 1,
    vm: "gaming",
    hostRoot: host.root,
    functions,
    undo: [...functions].reverse().flatMap((fn) => undoSteps(fn.address, fn.originalDriver, fn.originalDriverOverride)),
    restored: false,
  };
}

async function writeJournal(path: string, document: unknown, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof document === "string" ? document : JSON.stringify(document, null, 2));
  await chmod(path, mode);
}

const undo = (host: Host) => runCli(["vfio", "undo", "gaming", "--host-root", host.root], { dataHome: host.dataHome, configHome: host.configHome });

/** Runs the undo and checks the refusal: exit 2, the code and the words, no stack, nothing changed below `base`. */
async function expectRefused(host: Host, code: string, words: RegExp): Promise<string> {
  const before = await treeState(host.base);
  const run = await undo(host);
  expect(run.timedOut).toBe(false);
  expect(run.stderr).toContain(`error[${code}]`);
  expect(run.stderr).toMatch(words);
  expect(run.stderr).toMatch(/fix: /);
  expect(run.stderr).not.toContain("E_INTERNAL");
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.exitCode).toBe(2);
  expect(changedEntries(before, await treeState(host.base))).toEqual([]);
  return run.stderr;
}

describe("vmforge vfio undo (the real CLI) against a forged journal", () => {
  it("a journal vmforge wrote gives the devices back, changing only attribute files of the root's /sys and the journal (mode 0600)", async () => {
    const host = await boundExampleHost();
    await writeJournal(host.journalPath, journalOf(host));
    const before = await treeState(host.base);
    const run = await undo(host);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("0000:01:00.1: back to snd_hda_intel");
    expect(changedEntries(before, await treeState(host.base))).toEqual([
      "data/vms/gaming/vfio-undo.json",
      "root/sys/bus/pci/drivers/snd_hda_intel/bind",
      "root/sys/bus/pci/drivers/vfio-pci/unbind",
      "root/sys/devices/pci0000:00/0000:01:00.0/driver_override",
      "root/sys/devices/pci0000:00/0000:01:00.1/driver_override",
    ]);
    expect((await stat(host.journalPath)).mode & 0o777).toBe(0o600);
  });

  it("a path that climbs out with .. is refused whole (E_VFIO_UNDO_JOURNAL_INVALID), before the journal's good writes", async () => {
    const host = await boundExampleHost();
    const journal = journalOf(host);
    for (const path of ["/sys/bus/pci/../../../etc/cron.d/evil", "/sys/bus/pci/devices/0000:01:00.0/../../../../../etc/cron.d/evil", "/sys/bus/pci//drivers_probe"]) {
      await writeJournal(host.journalPath, { ...journal, undo: [...(journal.undo as object[]), { path, value: "0000:01:00.0", description: "x" }] });
      const stderr = await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /is not an attribute vmforge writes/);
      expect(stderr).toContain("undo[5].path");
    }
  });

  it("a driver name of .. (drivers/../bind) and values that are no address are refused by the schema", async () => {
    const host = await boundExampleHost();
    await writeJournal(host.journalPath, journalOf(host, [{ address: "0000:01:00.1", originalDriver: "..", originalDriverOverride: "" }]));
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /functions\[0\]\.originalDriver/);
    const journal = journalOf(host);
    await writeJournal(host.journalPath, { ...journal, undo: [{ path: "/sys/bus/pci/drivers_probe", value: "0000:01:00.0\n* * * * * root id", description: "x" }] });
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /is no PCI address/);
    await writeJournal(host.journalPath, { ...journal, undo: [{ path: "/sys/bus/pci/drivers/nvidia/bind", value: "0000:01:00.0", description: "x" }] });
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /gives back none of the functions/);
  });

  it("a symlink planted in the snapshot's sysfs that leads out of the root's /sys is refused (E_VFIO_UNDO_JOURNAL_REFUSED)", async () => {
    const plants: Array<[string, string]> = [
      ["sys/bus/pci/drivers/snd_hda_intel", "../../../../etc/cron.d"],
      ["sys/bus/pci/drivers/snd_hda_intel", "/etc/cron.d"],
      ["sys/bus/pci/drivers/vfio-pci", "../../../../../../../../../../../../etc/cron.d"],
      ["sys/devices/pci0000:00/0000:01:00.1/driver_override", "../../../../etc/cron.d/evil"],
    ];
    for (const [at, target] of plants) {
      const host = await boundExampleHost();
      await rm(join(host.root, at), { recursive: true });
      await symlink(target, join(host.root, at));
      await writeJournal(host.journalPath, journalOf(host));
      const stderr = await expectRefused(host, "E_VFIO_UNDO_JOURNAL_REFUSED", /Nothing was undone for gaming/);
      expect(stderr, at).toContain("E_SYSFS_PATH_REFUSED");
    }
  });

  it("a symlink to a folder outside the root, by its absolute path, means the root's own folder (missing here): refused, nothing followed", async () => {
    const host = await boundExampleHost();
    await rm(join(host.root, "sys/bus/pci/drivers/snd_hda_intel"), { recursive: true });
    await symlink(join(host.base, "etc/cron.d"), join(host.root, "sys/bus/pci/drivers/snd_hda_intel"));
    await writeJournal(host.journalPath, journalOf(host));
    const stderr = await expectRefused(host, "E_VFIO_UNDO_JOURNAL_REFUSED", /Nothing was undone/);
    expect(stderr).toContain("E_SYSFS_NO_ATTRIBUTE");
  });

  it("a path naming an attribute that does not exist is refused and not created; no other write of the journal is made", async () => {
    const host = await boundExampleHost();
    await writeJournal(host.journalPath, journalOf(host, [...GT1030, { address: "0000:00:1f.3", originalDriver: "nosuchdriver", originalDriverOverride: "" }]));
    const stderr = await expectRefused(host, "E_VFIO_UNDO_JOURNAL_REFUSED", /There is no sysfs attribute "\/sys\/bus\/pci\/drivers\/nosuchdriver\/bind"/);
    expect(stderr).toContain("modprobe");
    await expect(lstat(join(host.root, "sys/bus/pci/drivers/nosuchdriver"))).rejects.toThrow();
  });

  it("a journal others may change, or that belongs to another user, is not read (E_VFIO_UNDO_JOURNAL_UNSAFE)", async () => {
    for (const mode of [0o620, 0o602, 0o666]) {
      const host = await boundExampleHost();
      await writeJournal(host.journalPath, journalOf(host), mode);
      await expectRefused(host, "E_VFIO_UNDO_JOURNAL_UNSAFE", new RegExp(`others may change it \\(mode 0${mode.toString(8)}`));
    }
  });

  it.skipIf(process.getuid?.() !== 0)("a journal owned by another uid is not read", async () => {
    const host = await boundExampleHost();
    await writeJournal(host.journalPath, journalOf(host));
    await chown(host.journalPath, 4242, 4242);
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_UNSAFE", /belongs to the user with uid 4242/);
  });

  it("a journal that is a symlink (even to a good journal) or a FIFO is not opened, and nothing hangs", async () => {
    const host = await boundExampleHost();
    const elsewhere = join(host.base, "good-journal.json");
    await writeJournal(elsewhere, journalOf(host));
    await mkdir(dirname(host.journalPath), { recursive: true });
    await symlink(elsewhere, host.journalPath);
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_UNSAFE", /is a symbolic link, not a regular file/);
    await unlink(host.journalPath);
    expect(spawnSync("mkfifo", ["-m", "600", host.journalPath]).status).toBe(0);
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_UNSAFE", /is a named pipe \(FIFO\), not a regular file/);
  });

  it("a journal that is not JSON, over 1 MiB, or written for another VM is refused", async () => {
    const host = await boundExampleHost();
    await writeJournal(host.journalPath, "{ not json");
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /is not JSON/);
    await writeJournal(host.journalPath, `${JSON.stringify(journalOf(host))}${" ".repeat(1024 * 1024)}`);
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /at most 1 MiB/);
    await writeJournal(host.journalPath, { ...journalOf(host), vm: "other-vm" });
    await expectRefused(host, "E_VFIO_UNDO_JOURNAL_INVALID", /written for the VM other-vm, not gaming/);
  });
});

describe("vmforge apply --bind-vfio (the real CLI) on a planted host root", () => {
  it("a driver folder that leads out of /sys refuses the binding before anything is written, journal included (E_VFIO_WRITE_REFUSED)", async () => {
    const host = await boundExampleHost();
    await rm(join(host.root, "sys/bus/pci/drivers/snd_hda_intel"), { recursive: true });
    await symlink("/etc/cron.d", join(host.root, "sys/bus/pci/drivers/snd_hda_intel"));
    const out = join(await tempDir("vmforge-vfio-attack-out-"), "out");
    const before = await treeState(host.base);
    const run = await runCli(["apply", join(examplesDir, "gpu-passthrough.toml"), "--bind-vfio", "--host-root", host.root, "--out", out], { dataHome: host.dataHome, configHome: host.configHome });
    expect(run.stderr).toContain("error[E_VFIO_WRITE_REFUSED]");
    expect(run.stderr).toMatch(/"\/sys\/bus\/pci\/devices\/0000:01:00.1\/driver\/unbind": it leads to "\/etc\/cron.d", outside the host root's \/sys/);
    expect(run.stderr).not.toContain("E_INTERNAL");
    expect(run.exitCode).toBe(2);
    // Nothing but the run's checkpoint (@vmforge/plugin-recovery keeps it after a failure): no journal, no sysfs write.
    expect(changedEntries(before, await treeState(host.base))).toEqual(["data", "data/recovery", "data/recovery/gaming.json"]);
  });
});
