import { describe, expect, it, vi } from "vitest";
import { StageUi, UIManager, type UiEnvelope, type UiMessage } from "../src/index.js";
import { kernelWith, plugin, stage } from "./helpers.js";

const everyMessage: UiMessage[] = [
  { type: "Info", text: "Reading the host" },
  { type: "Warn", text: "Huge pages are off", code: "W_HUGEPAGES", fix: "Enable them" },
  { type: "Error", text: "The TOML is invalid", code: "E_CONFIG_INVALID" },
  { type: "ProgressStart", id: "iso", label: "Writing the seed ISO", total: 3 },
  { type: "ProgressUpdate", id: "iso", current: 2, total: 3 },
  { type: "ProgressComplete", id: "iso", label: "Seed ISO written" },
  { type: "Result", text: "Wrote domain.xml", path: "/out/domain.xml", data: { bytes: 10 } },
];

describe("UI messages", () => {
  it("delivers every message type to every attached bridge, stamped with time and origin, in order", () => {
    const ui = new UIManager();
    const first: UiEnvelope[] = [];
    const second: UiEnvelope[] = [];
    ui.attach({ render: (message) => void first.push(message) });
    ui.attach({ render: (message) => void second.push(message) });
    const before = Date.now();
    for (const message of everyMessage) ui.sendMessage(message, { stage: "p:one", plugin: "@test/p" });
    expect(first.map((message) => message.type)).toEqual(["Info", "Warn", "Error", "ProgressStart", "ProgressUpdate", "ProgressComplete", "Result"]);
    expect(second).toEqual(first);
    everyMessage.forEach((message, index) => expect(first[index]).toMatchObject({ ...message, stage: "p:one", plugin: "@test/p" }));
    for (const message of first) expect(message.time).toBeGreaterThanOrEqual(before);
    expect(ui.history()).toEqual(first);
  });

  it("sends messages without an origin when none is given", () => {
    const ui = new UIManager();
    ui.sendMessage({ type: "Info", text: "kernel speaking" });
    expect(ui.history()[0]).not.toHaveProperty("stage");
    expect(ui.history()[0]).not.toHaveProperty("plugin");
  });

  it("stops delivering to a detached bridge, and keeps the history", () => {
    const ui = new UIManager();
    const render = vi.fn();
    const detach = ui.attach({ render });
    ui.sendMessage({ type: "Info", text: "one" });
    detach();
    detach();
    ui.sendMessage({ type: "Info", text: "two" });
    expect(render).toHaveBeenCalledTimes(1);
    expect(ui.history()).toHaveLength(2);
  });

  it("gives a late bridge the history to replay", () => {
    const ui = new UIManager();
    ui.sendMessage({ type: "Info", text: "early" });
    expect(ui.history().map((message) => message.type === "Info" && message.text)).toEqual(["early"]);
  });

  describe("StageUi", () => {
    const stageUi = () => {
      const ui = new UIManager();
      return { ui, stageUi: new StageUi(ui, { stage: "linux:seed_iso", plugin: "@test/linux" }) };
    };

    it("stamps each helper's message with the stage and the plugin", () => {
      const { ui, stageUi: messenger } = stageUi();
      messenger.info("hello");
      messenger.warn("careful", "do this", "W_CODE");
      messenger.error("broken", "fix it", "E_CODE");
      messenger.result("done", { a: 1 }, "/out/x");
      messenger.sendMessage({ type: "Info", text: "raw" });
      expect(ui.history().map(({ time: _time, ...rest }) => rest)).toEqual([
        { type: "Info", text: "hello", stage: "linux:seed_iso", plugin: "@test/linux" },
        { type: "Warn", text: "careful", fix: "do this", code: "W_CODE", stage: "linux:seed_iso", plugin: "@test/linux" },
        { type: "Error", text: "broken", fix: "fix it", code: "E_CODE", stage: "linux:seed_iso", plugin: "@test/linux" },
        { type: "Result", text: "done", data: { a: 1 }, path: "/out/x", stage: "linux:seed_iso", plugin: "@test/linux" },
        { type: "Info", text: "raw", stage: "linux:seed_iso", plugin: "@test/linux" },
      ]);
    });

    it("wraps a long step in ProgressStart, ProgressUpdate and ProgressComplete and returns its value", async () => {
      const { ui, stageUi: messenger } = stageUi();
      const value = await messenger.progress(
        "iso",
        "Writing the ISO",
        async (update) => {
          update(1);
          update(2, 4);
          update(3);
          return "written";
        },
        3,
      );
      expect(value).toBe("written");
      expect(ui.history().map(({ time: _time, stage: _stage, plugin: _plugin, ...rest }) => rest)).toEqual([
        { type: "ProgressStart", id: "iso", label: "Writing the ISO", total: 3 },
        { type: "ProgressUpdate", id: "iso", current: 1, total: 3 },
        { type: "ProgressUpdate", id: "iso", current: 2, total: 4 },
        { type: "ProgressUpdate", id: "iso", current: 3, total: 4 },
        { type: "ProgressComplete", id: "iso", label: "Writing the ISO" },
      ]);
    });

    it("completes the progress when the step fails, and passes the failure on", async () => {
      const { ui, stageUi: messenger } = stageUi();
      await expect(messenger.progress("iso", "Writing", async () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
      expect(ui.history().map((message) => message.type)).toEqual(["ProgressStart", "ProgressComplete"]);
    });

    it("counts bytes when asked, with rate and ETA on the updates (never a non-finite one)", async () => {
      const { ui, stageUi: messenger } = stageUi();
      await messenger.progress(
        "dl",
        "Downloading",
        async (update) => {
          update(1024, 4096, { rate: 512, etaSeconds: 6 });
          update(2048, undefined, { rate: Number.POSITIVE_INFINITY });
        },
        undefined,
        { unit: "bytes" },
      );
      expect(ui.history().map(({ time: _time, stage: _stage, plugin: _plugin, ...rest }) => rest)).toEqual([
        { type: "ProgressStart", id: "dl", label: "Downloading", unit: "bytes" },
        { type: "ProgressUpdate", id: "dl", current: 1024, total: 4096, rate: 512, etaSeconds: 6 },
        { type: "ProgressUpdate", id: "dl", current: 2048, total: 4096 },
        { type: "ProgressComplete", id: "dl", label: "Downloading" },
      ]);
    });

    it("omits the total of an update when none is known", async () => {
      const { ui, stageUi: messenger } = stageUi();
      await messenger.progress("x", "Counting", async (update) => update(5));
      expect(ui.history()[1]).not.toHaveProperty("total");
    });
  });

  it("stamps the messages stages send in a run with their stage and plugin", async () => {
    const kernel = await kernelWith([
      plugin("@test/a", [stage("a:one", { run: (ctx) => ctx.ui.info("from a") })]),
      plugin("@test/b", [stage("b:two", { run: (ctx) => ctx.ui.result("from b") })]),
    ]);
    const seen: UiEnvelope[] = [];
    kernel.ui.attach({ render: (message) => void seen.push(message) });
    await kernel.run();
    expect(seen.map((message) => [message.type, message.stage, message.plugin])).toEqual([
      ["Info", "a:one", "@test/a"],
      ["Result", "b:two", "@test/b"],
    ]);
  });
});
