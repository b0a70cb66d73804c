import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { guestMediaKey, qemuCommandKey, userVmRequestKey } from "../src/contract.js";
import { fakeEnvironment } from "./support/environment.js";
import { pipelineError, runPipeline } from "./support/run-pipeline.js";

/** An image with the ISO 9660 signature where a CD reader looks for it, and nothing else. */
function isoBytes(): Buffer {
  const bytes = Buffer.alloc(18 * 2048);
  bytes.write("CD001", 16 * 2048 + 1, "latin1");
  return bytes;
}

async function vmWith(cdroms: string, files: Record<string, Buffer | string> = {}): Promise<{ dir: string; toml: string }> {
  const dir = await mkdtemp(join(tmpdir(), "vmforge-cdrom-"));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  const toml = join(dir, "vm.toml");
  await writeFile(toml, `[vm]\nname = "installer"\n\n[[disk]]\nsize = "8G"\n\n${cdroms}`);
  return { dir, toml };
}

const bootOf = (argv: string[], id: string) => argv.find((arg) => arg.includes(`id=${id}-dev`))?.match(/bootindex=(\d+)/)?.[1];

describe("[[cdrom]]", () => {
  it("a real ISO gets no warning", async () => {
    const { toml } = await vmWith('[[cdrom]]\npath = "a.iso"\n', { "a.iso": isoBytes() });
    const { kernel } = await runPipeline(toml, { environment: fakeEnvironment() });
    expect(kernel.ui.history().filter((message) => message.type === "Warn" && message.code === "W_CDROM_NOT_ISO")).toEqual([]);
  });

  it("attaches each image read-only through session.guest_media; boot = true boots it before the disk", async () => {
    const { dir, toml } = await vmWith('[[cdrom]]\npath = "netinst.iso"\nboot = true\n\n[[cdrom]]\npath = "drivers.iso"\n', { "netinst.iso": isoBytes(), "drivers.iso": isoBytes() });
    const { kernel, report } = await runPipeline(toml, { environment: fakeEnvironment() });
    expect(kernel.session.get(userVmRequestKey)!.cdrom).toEqual([{ path: "netinst.iso", boot: true }, { path: "drivers.iso", boot: false }]);
    expect(kernel.session.get(guestMediaKey)).toEqual([
      { kind: "cdrom", path: join(dir, "netinst.iso"), format: "raw", label: "netinst.iso", readonly: true, producer: "@vmforge/plugin-qemu-setup", boot: "first" },
      { kind: "cdrom", path: join(dir, "drivers.iso"), format: "raw", label: "drivers.iso", readonly: true, producer: "@vmforge/plugin-qemu-setup" },
    ]);
    const argv = kernel.session.get(qemuCommandKey)!.argv;
    expect(argv).toContain(`driver=file,filename=${join(dir, "netinst.iso")},node-name=media0-file,read-only=on`);
    expect([bootOf(argv, "media0"), bootOf(argv, "disk0"), bootOf(argv, "media1")]).toEqual(["1", "2", undefined]);
    // A resumed run refuses to go on when an ISO changed since.
    expect(report.inputs.map((input) => input.path)).toEqual(expect.arrayContaining([join(dir, "netinst.iso"), join(dir, "drivers.iso")]));
  });

  it("without [[cdrom]] the stage is skipped and the disk boots first", async () => {
    const { toml } = await vmWith("");
    const { kernel, report } = await runPipeline(toml, { environment: fakeEnvironment() });
    expect(report.stages.find((stage) => stage.id === "qemu_setup:attach_cdroms")?.status).toBe("skipped");
    expect(kernel.session.get(guestMediaKey) ?? []).toEqual([]);
    expect(bootOf(kernel.session.get(qemuCommandKey)!.argv, "disk0")).toBe("1");
  });

  it("a missing image, a folder and a FIFO are refused at their key, all at once, before any disk is made", async () => {
    const { dir, toml } = await vmWith('[[cdrom]]\npath = "gone.iso"\n\n[[cdrom]]\npath = "folder"\n\n[[cdrom]]\npath = "pipe.iso"\n');
    execFileSync("mkdir", [join(dir, "folder")]);
    execFileSync("mkfifo", [join(dir, "pipe.iso")]);
    const error = await pipelineError(toml, { environment: fakeEnvironment(), dryRun: false });
    expect(error.exitCode).toBe(2);
    expect(error.problems.map((problem) => [problem.code, problem.keyPath, problem.line])).toEqual([
      ["E_CDROM_MISSING", "cdrom[0].path", 8],
      ["E_CDROM_NOT_A_FILE", "cdrom[1].path", 11],
      ["E_CDROM_NOT_A_FILE", "cdrom[2].path", 14],
    ]);
    expect(error.problems[2]!.message).toContain("named pipe");
  });

  it("warns when the file has no ISO 9660 signature, and still attaches it", async () => {
    const { toml } = await vmWith('[[cdrom]]\npath = "notes.txt"\n', { "notes.txt": "not an ISO\n" });
    const { kernel } = await runPipeline(toml, { environment: fakeEnvironment() });
    expect(kernel.session.get(guestMediaKey)).toHaveLength(1);
    const warnings = kernel.ui.history().filter((message) => message.type === "Warn" && message.code === "W_CDROM_NOT_ISO");
    expect(warnings).toEqual([expect.objectContaining({ text: expect.stringContaining("notes.txt has no ISO 9660 volume descriptor") })]);
  });

  it("a disk's image named as a CD-ROM too is refused: the guest would write what it reads as a CD", async () => {
    const { toml } = await vmWith('[[cdrom]]\npath = "shared.img"\n\n[[disk]]\npath = "shared.img"\nformat = "raw"\n', { "shared.img": isoBytes() });
    const error = await pipelineError(toml, { environment: fakeEnvironment() });
    expect(error.problems.map((problem) => problem.keyPath)).toContain("cdrom[0].path");
    expect(error.problems.find((problem) => problem.keyPath === "cdrom[0].path")!.message).toContain("disk[1]");
  });

  it("an unknown key, a missing path and a wrong type are located problems, all at once", async () => {
    const { toml } = await vmWith('[[cdrom]]\npaht = "x.iso"\n\n[[cdrom]]\nboot = "yes"\npath = "y.iso"\n');
    const error = await pipelineError(toml, { environment: fakeEnvironment() });
    const codes = error.problems.map((problem) => `${problem.keyPath}`);
    expect(codes).toEqual(expect.arrayContaining(["cdrom[0].paht", "cdrom[0].path", "cdrom[1].boot"]));
    expect(error.problems.find((problem) => problem.keyPath === "cdrom[0].paht")?.message).toMatch(/did you mean "path"/i);
  });
});
