import { cp, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeWhen, examplesDir, ovmfHostRoot, tool } from "@vmforge/test-support";
import { vmDefinitionKey } from "../src/contract.js";
import { fakeEnvironment, fakeLinuxPlugin, fakeVfioPlugin } from "./support/environment.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";
import { listTree } from "./support/tree.js";

const host = fakeEnvironment({ hugepages: { sizeBytes: 2 * 1024 ** 2, total: 9000, free: 9000 } });

describe("plan (dry run) writes nothing outside --out", () => {
  it.each(["web-1.toml", "minimal.toml", "nvme-bridge.toml", "gpu-passthrough.toml"])("%s: the data folder and the TOML's folder are unchanged", async (example) => {
    const configDir = await tempDir();
    await cp(join(examplesDir, example), join(configDir, example));
    const dataHome = await tempDir();
    await writeFile(join(dataHome, "keep.txt"), "untouched");
    const outputDir = join(await tempDir(), "out dir");
    const before = { data: await listTree(dataHome), config: await listTree(configDir) };

    const { report } = await runPipeline(join(configDir, example), {
      environment: host,
      dryRun: true,
      outputDir,
      env: { VMFORGE_DATA_HOME: dataHome },
      extraPlugins: [await fakeLinuxPlugin({ media: true }), fakeVfioPlugin()],
    });

    expect(await listTree(dataHome)).toEqual(before.data);
    expect(await listTree(configDir)).toEqual(before.config);
    // Only artifacts landed, all inside --out; no program ran.
    const written = Object.keys(await listTree(outputDir)).sort();
    expect(written.every((name) => ["launch.sh", "qemu-command.json", "vm-definition.json", "OVMF_VARS.fd", "seed.iso", "looking-glass.conf"].includes(name))).toBe(true);
    expect(written).toEqual(expect.arrayContaining(["launch.sh", "qemu-command.json", "vm-definition.json"]));
    expect(report.effects.filter((effect) => effect.kind === "run").every((effect) => effect.status === "planned")).toBe(true);
    expect(report.effects.filter((effect) => effect.status === "done").every((effect) => effect.path?.startsWith(outputDir))).toBe(true);
    if (example !== "minimal.toml" && example !== "gpu-passthrough.toml") {
      expect(report.effects.some((effect) => effect.kind === "run" && effect.command?.[1] === "create")).toBe(true);
    }
  });

  it("without --out a plan writes nothing at all, and still shows the artifacts", async () => {
    const dataHome = await tempDir();
    const { report } = await runPipeline(join(examplesDir, "nvme-bridge.toml"), { environment: host, dryRun: true, outputDir: null, env: { VMFORGE_DATA_HOME: dataHome } });
    expect(await listTree(dataHome)).toEqual({});
    expect(report.effects.every((effect) => effect.status === "planned")).toBe(true);
    expect(report.artifactDir).toBe(join(dataHome, "vms", "db-1"));
    expect(report.artifacts.map((artifact) => artifact.status)).toEqual(["planned", "planned", "planned"]);
  });
});

describeWhen(tool("qemu-img", "qemu-utils"))("apply creates the disk images with qemu-img, never overwriting", () => {
  it("creates new images and overlays, copies the OVMF vars, and leaves existing files alone on a second run", async () => {
    const configDir = await tempDir();
    await writeFile(join(configDir, "base.raw"), Buffer.alloc(1024 * 1024));
    // An image that is already there must be a sound one (it is checked); it is used, never rewritten.
    (await import("node:child_process")).execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", join(configDir, "keep.qcow2"), "1M"]);
    const keptBytes = await readFile(join(configDir, "keep.qcow2"));
    const config = join(configDir, "vm.toml");
    await writeFile(
      config,
      '[vm]\nname = "apply-me"\n[[disk]]\nsize = "64MiB"\n[[disk]]\nbacking = "base.raw"\nbacking_format = "raw"\n[[disk]]\npath = "keep.qcow2"\nsize = "1GiB"\n[[disk]]\nsize = "8MiB"\nformat = "raw"\nbus = "sata"\n',
    );
    const outputDir = join(await tempDir(), "out");
    const first = await runPipeline(config, { environment: host, dryRun: false, outputDir });
    const definition = first.kernel.session.get(vmDefinitionKey)!;
    const [created, overlay, kept, raw] = definition.disks;

    const info = (path: string) => import("node:child_process").then(({ execFileSync }) => JSON.parse(execFileSync("qemu-img", ["info", "--output=json", path], { encoding: "utf8" })) as Record<string, unknown>);
    expect(await info(created!.path)).toMatchObject({ format: "qcow2", "virtual-size": 64 * 1024 ** 2 });
    expect(await info(overlay!.path)).toMatchObject({ format: "qcow2", "backing-filename": join(configDir, "base.raw"), "backing-filename-format": "raw", "virtual-size": 1024 * 1024 });
    expect(await info(raw!.path)).toMatchObject({ format: "raw", "virtual-size": 8 * 1024 ** 2 });
    expect(await readFile(kept!.path)).toEqual(keptBytes);
    expect(first.kernel.ui.history()).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Warn", code: "W_DISK_EXISTS" })]));
    // The vars template is read from the host root (a snapshot here), never from this machine.
    expect(definition.firmware.varsTemplate).toBe("/usr/share/OVMF/OVMF_VARS_4M.fd");
    expect(await readFile(definition.firmware.vars!, "utf8")).toBe(await readFile(join(await ovmfHostRoot(), "usr/share/OVMF/OVMF_VARS_4M.fd"), "utf8"));
    expect(await readFile(definition.firmware.vars!, "utf8")).toContain("placeholder");
    expect((await stat(join(outputDir, "launch.sh"))).mode & 0o777).toBe(0o755);

    const before = await listTree(outputDir);
    await writeFile(definition.firmware.vars!, "the VM's own variables");
    const second = await runPipeline(config, { environment: host, dryRun: false, outputDir });
    // The second run only checks the images (qemu-img info / check); it creates none.
    expect(second.report.effects.filter((effect) => effect.kind === "run").map((effect) => effect.command?.[1])).not.toContain("create");
    expect(await readFile(definition.firmware.vars!, "utf8")).toBe("the VM's own variables");
    for (const disk of definition.disks) expect((await listTree(outputDir))[disk.path.slice(outputDir.length + 1)]).toBe(before[disk.path.slice(outputDir.length + 1)]);
  }, 30_000);
});
