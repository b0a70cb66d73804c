import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EffectLog, HostRoot, Kernel } from "../src/index.js";
import { kernelWith, plugin, stage, temporaryDir, treeOf } from "./helpers.js";

describe("dry run", () => {
  it("is reported by the kernel, the stage context and the preflight context", async () => {
    const seen: boolean[] = [];
    const kernel = await kernelWith(
      [plugin("@test/p", [stage("p:one", { run: (ctx) => void seen.push(ctx.isDryRun()) })], { preflightCheck: (ctx) => void seen.push(ctx.isDryRun()) })],
      { dryRun: true },
    );
    expect(kernel.isDryRun()).toBe(true);
    expect(new Kernel().isDryRun()).toBe(false);
    const report = await kernel.run();
    expect(seen).toEqual([true, true]);
    expect(report.dryRun).toBe(true);
  });

  it("records every effect as planned and leaves the filesystem untouched", async () => {
    const root = await temporaryDir();
    await mkdir(join(root, "sys/bus/pci/drivers/vfio-pci"), { recursive: true });
    await writeFile(join(root, "existing.txt"), "keep me");
    const before = await treeOf(root);
    let runResult: unknown = "not called";
    const kernel = await kernelWith(
      [
        plugin("@test/p", [
          stage("p:change_host", {
            run: async (ctx) => {
              await ctx.effects.writeFile(join(root, "disk.qcow2"), "image");
              await ctx.effects.writeFile(join(root, "existing.txt"), "replaced");
              await ctx.effects.mkdir(join(root, "new/folder"));
              runResult = await ctx.effects.run("touch", [join(root, "touched")]);
              await ctx.effects.writeSysfs("/sys/bus/pci/drivers/vfio-pci/new_id", "10de 1b80");
            },
          }),
        ]),
      ],
      { dryRun: true, hostRoot: root },
    );
    const report = await kernel.run();
    expect(await treeOf(root)).toEqual(before);
    expect(await readFile(join(root, "existing.txt"), "utf8")).toBe("keep me");
    expect(runResult).toBeUndefined();
    expect(report.effects.map((effect) => [effect.kind, effect.status, effect.stage])).toEqual([
      ["write-file", "planned", "p:change_host"],
      ["write-file", "planned", "p:change_host"],
      ["mkdir", "planned", "p:change_host"],
      ["run", "planned", "p:change_host"],
      ["sysfs-write", "planned", "p:change_host"],
    ]);
    expect(report.effects[0]).toMatchObject({ path: join(root, "disk.qcow2"), bytes: 5 });
    expect(report.effects[3]).toMatchObject({ command: ["touch", join(root, "touched")] });
    expect(report.effects[4]).toMatchObject({ path: "/sys/bus/pci/drivers/vfio-pci/new_id", value: "10de 1b80" });
  });

  it("really writes below the output folder the user asked for, and only there", async () => {
    const root = await temporaryDir();
    const out = join(root, "out");
    const outside = join(root, "outside");
    const kernel = await kernelWith(
      [
        plugin("@test/p", [
          stage("p:artifacts", {
            run: async (ctx) => {
              await ctx.effects.mkdir(join(out, "cloud-init"));
              await ctx.effects.writeFile(join(out, "cloud-init", "meta-data"), "instance-id: web\n");
              await ctx.effects.writeFile(join(outside, "domain.xml"), "<domain/>");
              await ctx.effects.writeFile(`${out}-sibling/file`, "not inside");
            },
          }),
        ]),
      ],
      { dryRun: true, outputDir: out },
    );
    const report = await kernel.run();
    expect(await readFile(join(out, "cloud-init", "meta-data"), "utf8")).toBe("instance-id: web\n");
    expect(await treeOf(root)).toEqual(["out/", "out/cloud-init/", "out/cloud-init/meta-data"]);
    expect(report.effects.map((effect) => effect.status)).toEqual(["done", "done", "planned", "planned"]);
  });

  it("tells a stage whether a write would really happen", () => {
    const log = new EffectLog({ dryRun: true, host: new HostRoot("/"), outputDir: "/tmp/out" });
    const effects = log.forStage("p:one");
    expect(effects.dryRun).toBe(true);
    expect(effects.willWrite("/tmp/out/domain.xml")).toBe(true);
    expect(effects.willWrite("/tmp/out")).toBe(true);
    expect(effects.willWrite("/tmp/out/../elsewhere")).toBe(false);
    expect(effects.willWrite("/tmp/output")).toBe(false);
    expect(new EffectLog({ dryRun: false, host: new HostRoot("/") }).forStage("p:one").willWrite("/anywhere")).toBe(true);
  });
});
