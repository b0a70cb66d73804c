import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { caught, kernelWith, plugin, stage, temporaryDir, treeOf } from "./helpers.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

describe("artifacts", () => {
  it("writes artifacts into --out even in a dry run, with fixed names", async () => {
    const out = await temporaryDir();
    const kernel = await kernelWith(
      [
        plugin("@test/p", [
          stage("p:write", {
            run: async (ctx) => {
              ctx.setRunName("web-1");
              await ctx.writeArtifact("domain.xml", "<domain/>");
              await ctx.writeArtifact("cloud-init/meta-data", "instance-id: web-1\n");
              expect(ctx.artifactPath("domain.xml")).toBe(join(out, "domain.xml"));
              expect(ctx.runName).toBe("web-1");
            },
          }),
        ]),
      ],
      { dryRun: true, outputDir: out },
    );
    const report = await kernel.run();
    expect(await readFile(join(out, "domain.xml"), "utf8")).toBe("<domain/>");
    expect(await treeOf(out)).toEqual(["cloud-init/", "cloud-init/meta-data", "domain.xml"]);
    expect(report.artifactDir).toBe(out);
    expect(report.artifacts).toEqual([
      { name: "domain.xml", path: join(out, "domain.xml"), bytes: 9, stage: "p:write", status: "done", sha256: sha256("<domain/>") },
      { name: "cloud-init/meta-data", path: join(out, "cloud-init/meta-data"), bytes: 19, stage: "p:write", status: "done", sha256: sha256("instance-id: web-1\n") },
    ]);
  });

  it("keeps artifacts in memory in a dry run without --out, below the data folder of the run's name", async () => {
    const data = await temporaryDir();
    const kernel = await kernelWith(
      [
        plugin("@test/p", [
          stage("p:write", {
            run: async (ctx) => {
              ctx.setRunName("web-1");
              await ctx.writeArtifact("domain.xml", "<domain/>");
            },
          }),
        ]),
      ],
      { dryRun: true, env: { VMFORGE_DATA_HOME: data } },
    );
    const report = await kernel.run();
    expect(report.artifactDir).toBe(join(data, "vms", "web-1"));
    expect(report.artifacts[0]).toMatchObject({ status: "planned", path: join(data, "vms", "web-1", "domain.xml") });
    expect(kernel.artifacts.get("domain.xml")).toBe("<domain/>");
    expect(await treeOf(data)).toEqual([]);
  });

  it("refuses an artifact before the run has a name when there is no --out", async () => {
    const kernel = await kernelWith([plugin("@test/p", [stage("p:write", { run: async (ctx) => void (await ctx.writeArtifact("domain.xml", "x")) })])], { dryRun: true });
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_RUN_UNNAMED");
    expect((await kernel.report()).artifactDir).toBeUndefined();
  });

  it("refuses an artifact name that leaves the artifact folder", async () => {
    const out = await temporaryDir();
    for (const name of ["../escape.txt", "/etc/passwd", "cloud-init/../../escape", ""]) {
      const kernel = await kernelWith([plugin("@test/p", [stage("p:write", { run: async (ctx) => void (await ctx.writeArtifact(name, "x")) })])], { outputDir: join(out, "inner") });
      const error = await caught(() => kernel.run());
      expect(error.code).toBe("E_ARTIFACT_NAME");
    }
    expect(await treeOf(out)).toEqual([]);
  });
});
