import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "@vmforge/kernel/zod";
import { SessionStore, defineSessionKey, defineCollectionKey, type StageContext } from "../src/index.js";
import { caught, environmentDataKey, guestMediaKey, kernelWith, plugin, stage, vmDefinitionKey } from "./helpers.js";

describe("session store", () => {
  it("validates a write against the key's schema and keeps the parsed value", () => {
    const withDefault = defineSessionKey("with_default", z.object({ name: z.string(), cores: z.number().default(2) }));
    const session = new SessionStore();
    session.set(withDefault, { name: "web" } as { name: string; cores: number }, "p:stage");
    expect(session.get(withDefault)).toEqual({ name: "web", cores: 2 });
    expect(session.has("with_default")).toBe(true);
    expect(session.keys()).toEqual(["with_default"]);
  });

  it("rejects an invalid write with E_SESSION_INVALID naming the stage, the key and the path", async () => {
    const session = new SessionStore();
    const error = await caught(() => session.set(vmDefinitionKey, { name: "web", memoryMiB: -1 }, "qemu:define_vm"));
    expect(error.code).toBe("E_SESSION_INVALID");
    expect(error.message).toContain("qemu:define_vm");
    expect(error.message).toContain("vm_definition");
    expect(error.message).toContain("memoryMiB");
    expect(error.fix).toBeTruthy();
    expect(session.has("vm_definition")).toBe(false);
  });

  it("validates each item added to a collection and keeps them in order", async () => {
    const session = new SessionStore();
    session.add(guestMediaKey, { path: "/a.iso", kind: "seed" }, "a:stage");
    session.add(guestMediaKey, { path: "/b.iso", kind: "drivers" }, "b:stage");
    const error = await caught(() => session.add(guestMediaKey, { path: "/c.iso", kind: "floppy" as "seed" }, "c:stage"));
    expect(error.code).toBe("E_SESSION_INVALID");
    expect(error.message).toContain("c:stage");
    expect(error.message).toContain("kind");
    expect(session.get(guestMediaKey).map((item) => item.path)).toEqual(["/a.iso", "/b.iso"]);
  });

  it("hands out copies of collections, so a reader cannot change what others see", () => {
    const session = new SessionStore();
    session.add(guestMediaKey, { path: "/a.iso", kind: "seed" }, "a:stage");
    session.get(guestMediaKey).push({ path: "/sneaky.iso", kind: "seed" });
    expect(session.get(guestMediaKey)).toHaveLength(1);
  });

  it("gives an empty list for a collection nobody added to, and undefined for an unwritten value", () => {
    const session = new SessionStore();
    expect(session.get(guestMediaKey)).toEqual([]);
    expect(session.get(vmDefinitionKey)).toBeUndefined();
  });

  it("snapshots plain data that later writes do not change, and restores it", () => {
    const session = new SessionStore();
    session.set(environmentDataKey, { cpus: 8 }, "env:report");
    session.add(guestMediaKey, { path: "/a.iso", kind: "seed" }, "a:stage");
    const snapshot = session.snapshot();
    session.add(guestMediaKey, { path: "/b.iso", kind: "seed" }, "b:stage");
    expect(snapshot).toEqual({ environment_data: { cpus: 8 }, guest_media: [{ path: "/a.iso", kind: "seed" }] });
    const restored = new SessionStore();
    restored.restore(JSON.parse(JSON.stringify(snapshot)) as Record<string, unknown>);
    expect(restored.get(environmentDataKey)).toEqual({ cpus: 8 });
    restored.add(guestMediaKey, { path: "/c.iso", kind: "seed" }, "c:stage");
    expect(restored.get(guestMediaKey)).toHaveLength(2);
  });

  it("does not let a restored checkpoint object change under the session", () => {
    const checkpoint = { guest_media: [{ path: "/a.iso", kind: "seed" }] };
    const session = new SessionStore();
    session.restore(checkpoint);
    session.add(guestMediaKey, { path: "/b.iso", kind: "seed" }, "b:stage");
    expect(checkpoint.guest_media).toHaveLength(1);
  });

  it("types keys from their schemas", () => {
    expectTypeOf(vmDefinitionKey.schema.safeParse).returns.toMatchTypeOf<unknown>();
    const key = defineSessionKey("typed", z.object({ n: z.number() }));
    const collection = defineCollectionKey("typed_items", z.string());
    const session = new SessionStore();
    expectTypeOf(session.get(key)).toEqualTypeOf<{ n: number } | undefined>();
    expectTypeOf(session.get(collection)).toEqualTypeOf<string[]>();
    // @ts-expect-error a number is not the declared shape
    expect(() => session.set(key, 5, "p:stage")).toThrow();
  });
});

describe("stage context session access", () => {
  async function runStage(declared: { reads?: string[]; writes?: string[]; adds?: string[] }, body: (ctx: StageContext) => unknown) {
    const kernel = await kernelWith([
      plugin("@test/prep", [
        stage("prep:seed", { writes: ["environment_data"], adds: ["guest_media"], run: (ctx) => void (ctx.set(environmentDataKey, { cpus: 2 }), ctx.add(guestMediaKey, { path: "/s.iso", kind: "seed" })) }),
      ]),
      plugin("@test/subject", [stage("subject:act", { ...declared, run: async (ctx) => void (await body(ctx)) })]),
    ]);
    return kernel.run();
  }

  it("gives typed values for declared reads", async () => {
    let cpus: number | undefined;
    let media: Array<{ path: string }> = [];
    await runStage({ reads: ["environment_data", "guest_media"] }, (ctx) => {
      const environment = ctx.get(environmentDataKey);
      expectTypeOf(environment).toEqualTypeOf<{ cpus: number }>();
      expectTypeOf(ctx.tryGet(environmentDataKey)).toEqualTypeOf<{ cpus: number } | undefined>();
      cpus = environment.cpus;
      media = ctx.items(guestMediaKey);
    });
    expect(cpus).toBe(2);
    expect(media).toEqual([{ path: "/s.iso", kind: "seed" }]);
  });

  it("rejects an undeclared read with E_SESSION_UNDECLARED naming the stage and key", async () => {
    const error = await caught(() => runStage({}, (ctx) => ctx.get(environmentDataKey)));
    expect(error.code).toBe("E_SESSION_UNDECLARED");
    expect(error.message).toContain("subject:act");
    expect(error.message).toContain("environment_data");
    expect(error.fix).toContain("@test/subject");
  });

  it("rejects undeclared tryGet and items too", async () => {
    expect((await caught(() => runStage({}, (ctx) => ctx.tryGet(environmentDataKey)))).code).toBe("E_SESSION_UNDECLARED");
    expect((await caught(() => runStage({}, (ctx) => ctx.items(guestMediaKey)))).code).toBe("E_SESSION_UNDECLARED");
  });

  it("rejects an undeclared write and an undeclared add", async () => {
    const write = await caught(() => runStage({}, (ctx) => ctx.set(vmDefinitionKey, { name: "x", memoryMiB: 1 })));
    expect(write.code).toBe("E_SESSION_UNDECLARED");
    expect(write.message).toContain("vm_definition");
    const add = await caught(() => runStage({}, (ctx) => ctx.add(guestMediaKey, { path: "/x.iso", kind: "seed" })));
    expect(add.code).toBe("E_SESSION_UNDECLARED");
    expect(add.message).toContain("guest_media");
  });

  it("rejects adding to a key declared as a value write, and setting a key declared as a collection", async () => {
    const items = defineCollectionKey("extra_media", z.string());
    const value = defineSessionKey("extra_value", z.string());
    expect((await caught(() => runStage({ writes: ["extra_media"] }, (ctx) => ctx.add(items, "x")))).code).toBe("E_SESSION_UNDECLARED");
    expect((await caught(() => runStage({ adds: ["extra_value"] }, (ctx) => ctx.set(value, "x")))).code).toBe("E_SESSION_UNDECLARED");
  });

  it("lets a stage read back what it wrote", async () => {
    let readBack: unknown;
    await runStage({ writes: ["vm_definition"] }, (ctx) => {
      ctx.set(vmDefinitionKey, { name: "x", memoryMiB: 1 });
      readBack = ctx.get(vmDefinitionKey);
    });
    expect(readBack).toEqual({ name: "x", memoryMiB: 1 });
  });

  it("validates a write through the context, naming the stage", async () => {
    const error = await caught(() => runStage({ writes: ["vm_definition"] }, (ctx) => ctx.set(vmDefinitionKey, { name: 3 } as never)));
    expect(error.code).toBe("E_SESSION_INVALID");
    expect(error.message).toContain("subject:act");
    expect(error.message).toContain("name");
  });

  it("says, when a value is missing, that its writer ran without writing it", async () => {
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:lazy_writer", { writes: ["vm_definition"] }), stage("p:reader", { reads: ["vm_definition"], run: (ctx) => void ctx.get(vmDefinitionKey) })]),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_SESSION_MISSING");
    expect(error.why).toBe("p:lazy_writer (@test/p) writes session.vm_definition and ended done without writing it.");
  });

  it("gives undefined from tryGet and E_SESSION_MISSING from get when an optional read's writer was skipped", async () => {
    const seen: unknown[] = [];
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:skipped_writer", { writes: ["vm_definition"], when: () => false }),
        stage("p:reader", {
          reads: [{ key: "vm_definition", optional: true }],
          run: async (ctx) => {
            seen.push(ctx.tryGet(vmDefinitionKey));
            seen.push((await caught(() => ctx.get(vmDefinitionKey))).code);
          },
        }),
      ]),
    ]);
    await kernel.run();
    expect(seen).toEqual([undefined, "E_SESSION_MISSING"]);
  });
});
