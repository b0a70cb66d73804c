import { mkdir, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Problem } from "@vmforge/kernel";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

/*
 * Every file a VM uses is used once: a [[disk]] path may not be another disk's file (as
 * written, through `..` or a symlink), vmforge's name for another disk, the VM's UEFI
 * variables or a file of the run folder. Checked in preflight, before any stage, with both keys.
 */

const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line }) => ({ code, keyPath, line }));

async function project(toml: (dir: string) => string) {
  const dir = await tempDir();
  const config = join(dir, "vm.toml");
  await writeFile(config, toml(dir));
  return { dir, config, outputDir: join(dir, "out") };
}

describe("two uses of one file are refused before any stage", () => {
  it("a [[disk]] path equal to the name vmforge gives another disk: both keys named", async () => {
    const { config, outputDir } = await project((dir) => `[vm]\nname = "clash"\n[[disk]]\npath = "${dir}/out/disk1.qcow2"\nsize = "1GiB"\n[[disk]]\nsize = "1GiB"\n`);
    const error = await pipelineError(config, { outputDir });
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    expect(pick(error.problems)).toEqual([{ code: "E_CONFIG_DUPLICATE", keyPath: "disk[0].path", line: 4 }]);
    expect(error.problems[0]).toMatchObject({ message: expect.stringContaining("the image vmforge makes for disk[1]"), fix: expect.stringContaining("disk[0].path") });
    expect(error.problems[0]!.message).toContain(join(outputDir, "disk1.qcow2"));
    // Preflight: no stage ran, so nothing was written.
    expect(existsSync(outputDir)).toBe(false);
  });

  it("a [[disk]] path equal to the VM's UEFI variables or to launch.sh in the run folder", async () => {
    const { config, outputDir } = await project(() => '[vm]\nname = "vars"\n[[disk]]\npath = "out/OVMF_VARS.fd"\nsize = "1GiB"\n[[disk]]\npath = "out/launch.sh"\nsize = "1GiB"\n');
    const error = await pipelineError(config, { outputDir });
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_DUPLICATE", keyPath: "disk[0].path", line: 4 },
      { code: "E_CONFIG_DUPLICATE", keyPath: "disk[1].path", line: 7 },
    ]);
    expect(error.problems[0]!.message).toContain("firmware.type = \"uefi\"");
    expect(error.problems[1]!.message).toContain("launch.sh, which vmforge writes in the run folder");
  });

  it("without --out the run folder is the VM's data folder", async () => {
    const dataHome = await tempDir();
    const { config } = await project(() => `[vm]\nname = "data-vm"\n[[disk]]\npath = "${dataHome}/vms/data-vm/disk1.raw"\nsize = "1GiB"\n[[disk]]\nsize = "1GiB"\nformat = "raw"\n`);
    const error = await pipelineError(config, { outputDir: null, env: { VMFORGE_DATA_HOME: dataHome } });
    expect(pick(error.problems)).toEqual([{ code: "E_CONFIG_DUPLICATE", keyPath: "disk[0].path", line: 4 }]);
  });

  it("one file reached through a symlinked folder is one file", async () => {
    const { dir, config, outputDir } = await project(() => '[vm]\nname = "alias"\n[[disk]]\npath = "images/a.img"\n[[disk]]\npath = "alias/a.img"\n');
    await mkdir(join(dir, "images"));
    await writeFile(join(dir, "images", "a.img"), Buffer.alloc(4096));
    await symlink("images", join(dir, "alias"));
    const error = await pipelineError(config, { outputDir });
    expect(pick(error.problems)).toEqual([{ code: "E_CONFIG_DUPLICATE", keyPath: "disk[1].path", line: 6 }]);
    expect(error.problems[0]!.message).toContain("(disk[0].path)");
  });

  it("a disk file that is a symlink to another disk's file, and one written with `..`: each reported once", async () => {
    const { dir, config, outputDir } = await project(() => '[vm]\nname = "links"\n[[disk]]\npath = "a.img"\n[[disk]]\npath = "link.img"\n[[disk]]\npath = "sub/../a.img"\n');
    await writeFile(join(dir, "a.img"), Buffer.alloc(4096));
    await symlink("a.img", join(dir, "link.img"));
    const error = await pipelineError(config, { outputDir });
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_DUPLICATE", keyPath: "disk[2].path", line: 8 },
      { code: "E_CONFIG_DUPLICATE", keyPath: "disk[1].path", line: 6 },
    ]);
  });

  it("a disk's own file as another disk's base image is refused; a base image shared by two overlays is fine", async () => {
    const { dir, config, outputDir } = await project(() => '[vm]\nname = "bases"\n[[disk]]\npath = "base.raw"\n[[disk]]\nbacking = "base.raw"\nbacking_format = "raw"\n');
    await writeFile(join(dir, "base.raw"), Buffer.alloc(1024 * 1024));
    const error = await pipelineError(config, { outputDir });
    expect(pick(error.problems)).toEqual([{ code: "E_CONFIG_DUPLICATE", keyPath: "disk[1].backing", line: 6 }]);

    const shared = await project(() => '[vm]\nname = "shared"\n[[disk]]\nbacking = "../base.raw"\n[[disk]]\nbacking = "../base.raw"\n');
    await writeFile(join(shared.dir, "..", "base.raw"), Buffer.alloc(1024 * 1024));
    await runPipeline(shared.config, { outputDir: shared.outputDir });
  });

  it("every clash and every other problem of the file at once", async () => {
    const { config, outputDir } = await project(() => '[vm]\nname = "Bad Name"\n[[disk]]\npath = "out/OVMF_VARS.fd"\nsize = "1GiB"\n');
    const error = await pipelineError(config, { outputDir });
    expect(pick(error.problems)).toEqual([
      { code: "E_CONFIG_INVALID", keyPath: "vm.name", line: 2 },
      { code: "E_CONFIG_DUPLICATE", keyPath: "disk[0].path", line: 4 },
    ]);
  });
});
