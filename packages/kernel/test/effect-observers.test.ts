import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EffectEvent } from "../src/index.js";
import { kernelWith, plugin, stage, temporaryDir } from "./helpers.js";

describe("effect observers", () => {
  it("are told before and after a program runs, not for an idempotent one nor for file writes", async () => {
    const dir = await temporaryDir();
    const events: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:create", {
          run: async (ctx) => {
            await ctx.effects.run("sh", ["-c", "exit 0"], { idempotent: true, description: "check" });
            await ctx.effects.writeFile(join(dir, "plain"), "x");
            await ctx.effects.run("sh", ["-c", `echo made > ${JSON.stringify(join(dir, "made"))}`], { description: "make" });
            await ctx.effects.run("sh", ["-c", "exit 3"], { description: "fail" });
          },
        }),
      ]),
    ]);
    kernel.effectLog.observe(({ phase, record }: EffectEvent) => void events.push(`${phase} ${record.description} ${record.status}`));
    await kernel.run();
    expect(events).toEqual(["start make planned", "end make done", "start fail planned", "end fail failed"]);
  });

  it("an observer is awaited before the program starts (a checkpoint is on disk first)", async () => {
    const dir = await temporaryDir();
    const marker = join(dir, "recorded");
    const kernel = await kernelWith([plugin("@test/p", [stage("p:run", { run: async (ctx) => void (await ctx.effects.run("sh", ["-c", `test -e ${JSON.stringify(marker)}`])) })])]);
    kernel.effectLog.observe(async ({ phase }) => {
      if (phase === "start") await writeFile(marker, "");
    });
    const report = await kernel.run();
    expect(report.effects.map((record) => record.status)).toEqual(["done"]);
  });

  it("are told about sysfs writes, and about nothing in a dry run", async () => {
    const root = await temporaryDir();
    await mkdir(join(root, "sys/bus/pci/devices/0000:01:00.0"), { recursive: true });
    await writeFile(join(root, "sys/bus/pci/devices/0000:01:00.0/driver_override"), "\n");
    const spec = stage("p:bind", { run: async (ctx) => void (await ctx.effects.writeSysfs("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci")) });
    const real: string[] = [];
    const realKernel = await kernelWith([plugin("@test/p", [spec])], { hostRoot: root });
    realKernel.effectLog.observe(({ phase, record }) => void real.push(`${phase} ${record.kind} ${record.status}`));
    await realKernel.run();
    expect(real).toEqual(["start sysfs-write planned", "end sysfs-write done"]);

    const planned: string[] = [];
    const dryKernel = await kernelWith([plugin("@test/p", [spec])], { hostRoot: root, dryRun: true });
    dryKernel.effectLog.observe(({ phase }) => void planned.push(phase));
    await dryKernel.run();
    expect(planned).toEqual([]);
  });

  it("every program a run starts has the run's id in VMFORGE_RUN_ID", async () => {
    let stdout = "";
    const kernel = await kernelWith([plugin("@test/p", [stage("p:run", { run: async (ctx) => void (stdout = (await ctx.effects.run("sh", ["-c", 'printf %s "$VMFORGE_RUN_ID"']))!.stdout) })])]);
    await kernel.run();
    expect(stdout).toBe(kernel.runId);
  });

  it("hands a resumed stage the effects it had started and never finished, and no other stage", async () => {
    const seen: Record<string, unknown[]> = {};
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:define", { run: (ctx) => void (seen["p:define"] = [...ctx.interruptedEffects]) }),
        stage("p:create", { run: (ctx) => void (seen["p:create"] = [...ctx.interruptedEffects]) }),
      ]),
    ]);
    const started = { kind: "run" as const, status: "planned" as const, stage: "p:create", command: ["qemu-img", "create", "disk0.qcow2"] };
    await kernel.run({ resume: { completed: [], session: [], interrupted: [started] } });
    expect(seen).toEqual({ "p:define": [], "p:create": [started] });
  });
});
