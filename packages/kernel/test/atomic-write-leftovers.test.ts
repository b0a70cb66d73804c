import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../src/index.js";
import { temporaryDir } from "./helpers.js";

/** The pid of a process that has ended: what a killed run leaves in its temp file names. */
function deadPid(): number {
  const { pid } = spawnSync("true");
  return pid!;
}

describe("temporary files a killed run left behind", () => {
  it("are removed by the next write into their folder; live runs' and other files stay", async () => {
    const dir = await temporaryDir();
    const dead = deadPid();
    const stale = [`.plan.json.${dead}.0a1b2c3d.tmp`, `.domain.xml.${dead}.ffffffff.tmp`];
    // A live pid (another vmforge writing now), names that only look alike, and a folder.
    const kept = [`.plan.json.${process.ppid}.0a1b2c3d.tmp`, ".notes.tmp", `.x.${dead}.0A1B2C3D.tmp`, `x.${dead}.0a1b2c3d.tmp`, `.x.${dead}.0a1b2c3.tmp`, "user-file.txt"];
    for (const name of [...stale, ...kept]) await writeFile(join(dir, name), "partial");
    await mkdir(join(dir, `.dir.${dead}.0a1b2c3d.tmp`));
    await writeFileAtomic(join(dir, "plan.json"), "{}");
    expect((await readdir(dir)).sort()).toEqual([...kept, `.dir.${dead}.0a1b2c3d.tmp`, "plan.json"].sort());
    expect(await readFile(join(dir, "user-file.txt"), "utf8")).toBe("partial");
  });

  it("are looked for in every folder written, including new subfolders", async () => {
    const dir = await temporaryDir();
    const dead = deadPid();
    await mkdir(join(dir, "cloud-init"));
    await writeFile(join(dir, "cloud-init", `.user-data.${dead}.12345678.tmp`), "half");
    await writeFileAtomic(join(dir, "cloud-init", "user-data"), "#cloud-config\n");
    expect(await readdir(join(dir, "cloud-init"))).toEqual(["user-data"]);
  });
});
