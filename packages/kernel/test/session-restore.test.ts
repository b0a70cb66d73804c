import { describe, expect, it } from "vitest";
import { z } from "@vmforge/kernel/zod";
import { SessionStore, defineCollectionKey, defineSessionKey, type SessionEntry } from "../src/index.js";
import { caught, environmentDataKey, guestMediaKey, kernelWith, plugin, stage, vmDefinitionKey } from "./helpers.js";

const requestKey = defineSessionKey("user_vm_request", z.object({ text: z.string() }), { secret: true });

describe("session entries and checked restores", () => {
  it("entries name each value's writers, its contract version and whether it is secret", () => {
    const session = new SessionStore();
    const versioned = defineSessionKey("vm_definition", z.object({ name: z.string(), memoryMiB: z.number() }), { version: 3 });
    session.set(requestKey, { text: 'password_hash = "$6$..."' }, "q:load");
    session.set(versioned, { name: "web", memoryMiB: 512 }, "q:define");
    session.add(guestMediaKey, { path: "/seed.iso", kind: "seed" }, "l:iso");
    session.add(guestMediaKey, { path: "/virtio.iso", kind: "drivers" }, "w:drivers");
    expect(session.entries()).toEqual([
      { name: "user_vm_request", collection: false, version: 1, secret: true, writers: ["q:load"], value: { text: 'password_hash = "$6$..."' } },
      { name: "vm_definition", collection: false, version: 3, secret: false, writers: ["q:define"], value: { name: "web", memoryMiB: 512 } },
      {
        name: "guest_media",
        collection: true,
        version: 1,
        secret: false,
        writers: ["l:iso", "w:drivers"],
        value: [
          { path: "/seed.iso", kind: "seed" },
          { path: "/virtio.iso", kind: "drivers" },
        ],
      },
    ]);
    expect(defineCollectionKey("keys", z.string(), { secret: true }).secret).toBe(true);
  });

  it("a restored value is checked by its key's schema when a stage first reads it (defaults filled in)", async () => {
    const withDefault = defineSessionKey("vm_definition", z.object({ name: z.string(), cores: z.number().default(2) }));
    const session = new SessionStore();
    session.restore([{ name: "vm_definition", collection: false, version: 1, secret: false, writers: ["q:define"], value: { name: "web" } }]);
    expect(session.get(withDefault)).toEqual({ name: "web", cores: 2 });

    const broken = new SessionStore();
    broken.restore([{ name: "vm_definition", collection: false, version: 1, secret: false, writers: ["q:define"], value: { name: 42 } }]);
    const error = await caught(() => broken.get(withDefault));
    expect(error.code).toBe("E_RESUME_SESSION_INVALID");
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("session.vm_definition");
    expect(error.message).toContain("name");
  });

  it("a value saved under another version of its contract is refused, not guessed at", async () => {
    const v2 = defineSessionKey("vm_definition", z.object({ name: z.string() }), { version: 2 });
    const session = new SessionStore();
    session.restore([{ name: "vm_definition", collection: false, version: 1, secret: false, writers: ["q:define"], value: { name: "web" } }]);
    const error = await caught(() => session.get(v2));
    expect(error.code).toBe("E_RESUME_SESSION_INVALID");
    expect(error.message).toContain("version 1");
    expect(error.message).toContain("version 2");
  });

  it("each restored collection item is checked, items added since are kept", async () => {
    const session = new SessionStore();
    session.restore([{ name: "guest_media", collection: true, version: 1, secret: false, writers: ["l:iso"], value: [{ path: "/seed.iso", kind: "floppy" }] }]);
    const error = await caught(() => session.add(guestMediaKey, { path: "/b.iso", kind: "seed" }, "b:stage"));
    expect(error.message).toContain("item 0");
  });

  it("a resumed run restores only what the completed stages wrote: a stage that runs again starts from nothing", async () => {
    const seen: unknown[] = [];
    const entries: SessionEntry[] = [
      { name: "environment_data", collection: false, version: 1, secret: false, writers: ["p:env"], value: { cpus: 4 } },
      { name: "vm_definition", collection: false, version: 1, secret: false, writers: ["p:define"], value: { name: "stale", memoryMiB: 1 } },
      {
        name: "guest_media",
        collection: true,
        version: 1,
        secret: false,
        writers: ["p:seed", "p:define"],
        value: [
          { path: "/seed.iso", kind: "seed" },
          { path: "/stale.iso", kind: "drivers" },
        ],
      },
    ];
    const kernel = await kernelWith([
      plugin("@test/p", [
        stage("p:env", { writes: ["environment_data"] }),
        stage("p:seed", { adds: ["guest_media"] }),
        stage("p:define", {
          reads: ["environment_data"],
          writes: ["vm_definition"],
          adds: ["guest_media"],
          run: (ctx) => {
            seen.push(ctx.tryGet(vmDefinitionKey), ctx.items(guestMediaKey).map((item) => item.path));
            ctx.set(vmDefinitionKey, { name: "web", memoryMiB: ctx.get(environmentDataKey).cpus * 256 });
            ctx.add(guestMediaKey, { path: "/drivers.iso", kind: "drivers" });
          },
        }),
      ]),
    ]);
    await kernel.run({ resume: { completed: ["p:env", "p:seed"], session: entries } });
    expect(seen).toEqual([undefined, ["/seed.iso"]]);
    expect(kernel.session.get(guestMediaKey).map((item) => item.path)).toEqual(["/seed.iso", "/drivers.iso"]);
    expect(kernel.session.get(vmDefinitionKey)).toEqual({ name: "web", memoryMiB: 1024 });
  });

  it("a resumed run reports the effects and artifacts of the completed stages as resumed", async () => {
    const kernel = await kernelWith([plugin("@test/p", [stage("p:done"), stage("p:again")])]);
    const report = await kernel.run({
      resume: {
        completed: ["p:done"],
        session: [],
        effects: [
          { kind: "mkdir", status: "done", stage: "p:done", path: "/data/vms/web" },
          { kind: "mkdir", status: "done", stage: "p:again", path: "/data/vms/web/redo" },
        ],
        artifacts: [{ name: "domain.xml", path: "/data/vms/web/domain.xml", bytes: 9, stage: "p:done", status: "done", sha256: "0".repeat(64) }],
      },
    });
    expect(report.effects).toEqual([{ kind: "mkdir", status: "done", stage: "p:done", path: "/data/vms/web", resumed: true }]);
    expect(report.artifacts).toEqual([{ name: "domain.xml", path: "/data/vms/web/domain.xml", bytes: 9, stage: "p:done", status: "done", sha256: "0".repeat(64), resumed: true }]);
  });
});
