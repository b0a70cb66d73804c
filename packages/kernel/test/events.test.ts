import { describe, expect, expectTypeOf, it } from "vitest";
import { EventManager, type EventPayload } from "../src/index.js";
import { kernelWith, plugin, sleep, stage } from "./helpers.js";

describe("events", () => {
  it("dispatches without waiting for handlers; drain() waits for them", async () => {
    const events = new EventManager();
    const log: string[] = [];
    events.on("LibvirtXMLGenerated", async ({ path }) => {
      log.push(`start ${path}`);
      await sleep(20);
      log.push(`end ${path}`);
    });
    events.dispatch("LibvirtXMLGenerated", { path: "/out/domain.xml" });
    log.push("dispatch returned");
    await events.drain();
    expect(log).toEqual(["dispatch returned", "start /out/domain.xml", "end /out/domain.xml"]);
  });

  it("does not call a handler inside dispatch, even a synchronous one", async () => {
    const events = new EventManager();
    let called = false;
    events.on("VMDefinitionFinalized", () => void (called = true));
    events.dispatch("VMDefinitionFinalized", { vm_definition: {} });
    expect(called).toBe(false);
    await events.drain();
    expect(called).toBe(true);
  });

  it("calls every handler of an event with the payload and the name, and no handler of another event", async () => {
    const events = new EventManager();
    const seen: unknown[] = [];
    events.on("GuestSpecificSetupCompleted", (payload, name) => void seen.push(["first", name, payload]));
    events.on("GuestSpecificSetupCompleted", (payload) => void seen.push(["second", payload.guest_type]));
    events.on("EnvironmentCheckCompleted", () => void seen.push("wrong event"));
    events.dispatch("GuestSpecificSetupCompleted", { guest_type: "linux", output_path: "/out/seed.iso" });
    await events.drain();
    expect(seen).toEqual([
      ["first", "GuestSpecificSetupCompleted", { guest_type: "linux", output_path: "/out/seed.iso" }],
      ["second", "linux"],
    ]);
    expect(events.dispatched()).toEqual([{ name: "GuestSpecificSetupCompleted", payload: { guest_type: "linux", output_path: "/out/seed.iso" } }]);
  });

  it("stops calling a handler after it unsubscribes", async () => {
    const events = new EventManager();
    let calls = 0;
    const off = events.on("EnvironmentCheckCompleted", () => void calls++);
    events.dispatch("EnvironmentCheckCompleted", { environment_data: {} });
    await events.drain();
    off();
    events.dispatch("EnvironmentCheckCompleted", { environment_data: {} });
    await events.drain();
    expect(calls).toBe(1);
  });

  it("waits in drain() for events dispatched by handlers", async () => {
    const events = new EventManager();
    const log: string[] = [];
    events.on("VMDefinitionFinalized", async () => {
      await sleep(5);
      events.dispatch("LibvirtXMLGenerated", { path: "/x" });
    });
    events.on("LibvirtXMLGenerated", async () => {
      await sleep(5);
      log.push("nested done");
    });
    events.dispatch("VMDefinitionFinalized", { vm_definition: {} });
    await events.drain();
    expect(log).toEqual(["nested done"]);
  });

  it("collects failing handlers, synchronous or not, without failing the dispatch or other handlers", async () => {
    const events = new EventManager();
    const failures: string[] = [];
    let healthyRan = false;
    events.onFailure = ({ event, error }) => void failures.push(`${event}: ${(error as Error).message}`);
    events.on("LibvirtXMLGenerated", () => {
      throw new Error("sync boom");
    });
    events.on("LibvirtXMLGenerated", () => Promise.reject(new Error("async boom")));
    events.on("LibvirtXMLGenerated", () => void (healthyRan = true));
    expect(() => events.dispatch("LibvirtXMLGenerated", { path: "/x" })).not.toThrow();
    await events.drain();
    expect(healthyRan).toBe(true);
    expect(failures.sort()).toEqual(["LibvirtXMLGenerated: async boom", "LibvirtXMLGenerated: sync boom"]);
    expect(events.failures()).toHaveLength(2);
  });

  it("types the four design events and lets other events carry a record", () => {
    expectTypeOf<EventPayload<"EnvironmentCheckCompleted">>().toEqualTypeOf<{ environment_data: unknown }>();
    expectTypeOf<EventPayload<"VMDefinitionFinalized">>().toEqualTypeOf<{ vm_definition: unknown }>();
    expectTypeOf<EventPayload<"LibvirtXMLGenerated">>().toEqualTypeOf<{ path: string }>();
    expectTypeOf<EventPayload<"GuestSpecificSetupCompleted">>().toEqualTypeOf<{ guest_type: string; output_path: string }>();
    expectTypeOf<EventPayload<"third_party:something">>().toEqualTypeOf<Record<string, unknown>>();
    const events = new EventManager();
    // @ts-expect-error the payload of a design event is checked
    events.dispatch("LibvirtXMLGenerated", { file: "/x" });
    // @ts-expect-error guest_type is required
    events.dispatch("GuestSpecificSetupCompleted", { output_path: "/x" });
    events.dispatch("third_party:something", { anything: 1 });
  });

  describe("in a run", () => {
    it("lets stages dispatch, waits for handlers before the run ends, and turns a failing handler into a Warn message", async () => {
      const log: string[] = [];
      const listener = plugin("@test/listener", [], {
        setup: ({ events }) => {
          events.on("VMDefinitionFinalized", async () => {
            await sleep(20);
            log.push("slow handler done");
          });
          events.on("LibvirtXMLGenerated", () => {
            throw new Error("discord is down");
          });
        },
      });
      const kernel = await kernelWith([
        listener,
        plugin("@test/p", [
          stage("p:finalize", {
            run: (ctx) => {
              ctx.dispatch("VMDefinitionFinalized", { vm_definition: { name: "web" } });
              ctx.dispatch("LibvirtXMLGenerated", { path: "/out/domain.xml" });
              log.push("stage done");
            },
          }),
          stage("p:after", { run: () => void log.push("next stage") }),
        ]),
      ]);
      const report = await kernel.run();
      expect(report.stages.map((outcome) => outcome.status)).toEqual(["done", "done"]);
      expect(log).toEqual(["stage done", "next stage", "slow handler done"]);
      const warnings = kernel.ui.history().filter((message) => message.type === "Warn");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ type: "Warn", code: "W_EVENT_HANDLER" });
      expect(warnings[0]!.type === "Warn" && warnings[0]!.text).toContain("LibvirtXMLGenerated");
      expect(warnings[0]!.type === "Warn" && warnings[0]!.text).toContain("discord is down");
    });
  });
});

describe("event failure reporting", () => {
  it("keeps going when the failure reporter itself throws", async () => {
    const events = new EventManager();
    events.onFailure = () => {
      throw new Error("renderer broke");
    };
    events.on("LibvirtXMLGenerated", () => {
      throw new Error("handler broke");
    });
    events.dispatch("LibvirtXMLGenerated", { path: "/x" });
    await expect(events.drain()).resolves.toBeUndefined();
    expect(events.failures()).toHaveLength(1);
  });
});
