import { describe, expect, it } from "vitest";
import type { EffectEvent, EffectRecord } from "../src/index.js";
import { kernelWith, plugin, stage } from "./helpers.js";

const request = { url: "https://example.org/disk.qcow2", path: "/var/cache/vmforge/images/k/disk.qcow2", bytes: 1234, description: "base image for disk0" };

describe("the download effect", () => {
  it("in a dry run records a planned download and never calls the action", async () => {
    let called = false;
    let returned: unknown = "not returned";
    const kernel = await kernelWith(
      [plugin("@test/p", [stage("p:fetch", { run: async (ctx) => void (returned = await ctx.effects.download(request, async () => void (called = true))) })])],
      { dryRun: true },
    );
    const events: EffectEvent[] = [];
    kernel.effectLog.observe((event) => void events.push(event));
    const report = await kernel.run();
    expect(called).toBe(false);
    expect(returned).toBeUndefined();
    expect(report.effects).toEqual([{ kind: "download", status: "planned", stage: "p:fetch", url: request.url, path: request.path, bytes: 1234, description: request.description }]);
    expect(events).toEqual([]);
  });

  it("live calls the action, returns its value, records done with what the action set, and tells observers before and after", async () => {
    const events: string[] = [];
    let returned: unknown;
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:fetch", {
          run: async (ctx) => {
            returned = await ctx.effects.download({ url: request.url, path: request.path }, async (record: EffectRecord) => {
              events.push(`action ${record.status}`);
              record.bytes = 99;
              return "fetched";
            });
          },
        }),
      ]),
    ]);
    kernel.effectLog.observe(({ phase, record }) => void events.push(`${phase} ${record.kind} ${record.status}`));
    const report = await kernel.run();
    expect(returned).toBe("fetched");
    expect(events).toEqual(["start download planned", "action planned", "end download done"]);
    expect(report.effects).toEqual([{ kind: "download", status: "done", stage: "p:fetch", url: request.url, path: request.path, bytes: 99 }]);
  });

  it("records a failed action as failed with its message and passes the error on", async () => {
    const events: string[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:fetch", {
          run: async (ctx) => {
            await ctx.effects.download(request, async () => {
              throw new Error("HTTP 404");
            });
          },
        }),
      ]),
    ]);
    kernel.effectLog.observe(({ phase, record }) => void events.push(`${phase} ${record.status}`));
    await expect(kernel.run()).rejects.toThrow("HTTP 404");
    expect(events).toEqual(["start planned", "end failed"]);
    expect(kernel.effectLog.records).toEqual([expect.objectContaining({ kind: "download", status: "failed", error: "HTTP 404" })]);
  });
});
