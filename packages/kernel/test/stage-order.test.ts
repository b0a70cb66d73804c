import { describe, expect, it } from "vitest";
import { environmentDataKey, guestMediaKey, kernelWith, managerWith, plannedIds, plugin, stage, vmDefinitionKey } from "./helpers.js";

describe("stage order", () => {
  it("runs a stage after the stages it explicitly depends on, even when declared before them", () => {
    const order = plannedIds([
      plugin("@test/one", [stage("one:last", { dependsOn: ["one:middle"] }), stage("one:middle", { dependsOn: ["one:first"] }), stage("one:first")]),
    ]);
    expect(order).toEqual(["one:first", "one:middle", "one:last"]);
  });

  it("runs a reader after the writer of its key, whichever plugin declares them", () => {
    const guest = plugin("@test/guest", [stage("guest:use_vm", { reads: ["vm_definition"] })]);
    const qemu = plugin("@test/qemu", [stage("qemu:define_vm", { writes: ["vm_definition"], reads: ["environment_data"] })]);
    const env = plugin("@test/env", [stage("env:report", { writes: ["environment_data"] })]);
    expect(plannedIds([guest, qemu, env])).toEqual(["env:report", "qemu:define_vm", "guest:use_vm"]);
  });

  it("records why each stage waits: explicit edges and data edges with their key", () => {
    const graph = managerWith([
      plugin("@test/p", [stage("p:writer", { writes: ["vm_definition"] }), stage("p:reader", { reads: ["vm_definition"], dependsOn: ["p:setup"] }), stage("p:setup")]),
    ]).plan();
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: "p:setup", to: "p:reader", via: "depends" },
        { from: "p:writer", to: "p:reader", via: { key: "vm_definition" } },
      ]),
    );
    const reader = graph.stages.find((ordered) => ordered.id === "p:reader")!;
    expect(reader.after.sort()).toEqual(["p:setup", "p:writer"]);
    expect(reader.plugin).toBe("@test/p");
    expect(reader.reads).toEqual([{ key: "vm_definition" }]);
  });

  it("keeps declaration order (plugins, then stages) for stages that do not wait on each other", () => {
    const order = plannedIds([
      plugin("@test/a", [stage("a:three"), stage("a:one"), stage("a:two")]),
      plugin("@test/b", [stage("b:zero")]),
    ]);
    expect(order).toEqual(["a:three", "a:one", "a:two", "b:zero"]);
  });

  it("runs the earliest declared ready stage first when a tie is broken by a dependency", () => {
    const order = plannedIds([
      plugin("@test/a", [stage("a:reader", { reads: ["vm_definition"] }), stage("a:free")]),
      plugin("@test/b", [stage("b:writer", { writes: ["vm_definition"] })]),
    ]);
    expect(order).toEqual(["a:free", "b:writer", "a:reader"]);
  });

  it("gives the same order on every call", () => {
    const plugins = [
      plugin("@test/a", [stage("a:x", { reads: ["guest_media"] }), stage("a:y", { adds: ["guest_media"] })]),
      plugin("@test/b", [stage("b:z", { adds: ["guest_media"] })]),
    ];
    const first = plannedIds(plugins);
    for (let attempt = 0; attempt < 5; attempt++) expect(plannedIds(plugins)).toEqual(first);
  });

  it("lets a stage read back a key it writes itself without a self edge or a missing-writer error", () => {
    const graph = managerWith([plugin("@test/p", [stage("p:self", { reads: ["vm_definition"], writes: ["vm_definition"] })])]).plan();
    expect(graph.stages.map((ordered) => ordered.id)).toEqual(["p:self"]);
    expect(graph.edges).toEqual([]);
  });

  describe("optional reads", () => {
    it("runs after the writer when one is installed", () => {
      const order = plannedIds([
        plugin("@test/guest", [stage("guest:maybe", { reads: [{ key: "vm_definition", optional: true }] })]),
        plugin("@test/qemu", [stage("qemu:define_vm", { writes: ["vm_definition"] })]),
      ]);
      expect(order).toEqual(["qemu:define_vm", "guest:maybe"]);
    });

    it("runs without the value when no plugin writes it: tryGet gives undefined", async () => {
      const seen: unknown[] = [];
      const kernel = await kernelWith([
        plugin("@test/guest", [
          stage("guest:maybe", {
            reads: [{ key: "vm_definition", optional: true }],
            run: (ctx) => {
              seen.push(ctx.tryGet(vmDefinitionKey));
            },
          }),
        ]),
      ]);
      const report = await kernel.run();
      expect(seen).toEqual([undefined]);
      expect(report.stages.map((outcome) => [outcome.id, outcome.status])).toEqual([["guest:maybe", "done"]]);
    });

    it("sees the value the writer stored when the writer is installed", async () => {
      const seen: unknown[] = [];
      const kernel = await kernelWith([
        plugin("@test/guest", [stage("guest:maybe", { reads: [{ key: "vm_definition", optional: true }], run: (ctx) => void seen.push(ctx.tryGet(vmDefinitionKey)) })]),
        plugin("@test/qemu", [stage("qemu:define_vm", { writes: ["vm_definition"], run: (ctx) => void ctx.set(vmDefinitionKey, { name: "web", memoryMiB: 512 }) })]),
      ]);
      await kernel.run();
      expect(seen).toEqual([{ name: "web", memoryMiB: 512 }]);
    });
  });

  describe("collection keys", () => {
    it("runs the reader after every adder, and the reader sees every item in run order", async () => {
      let items: unknown[] = [];
      const kernel = await kernelWith([
        plugin("@test/launcher", [stage("launch:build_command", { reads: ["guest_media"], run: (ctx) => void (items = ctx.items(guestMediaKey)) })]),
        plugin("@test/linux", [
          stage("linux:seed_iso", { adds: ["guest_media"], run: (ctx) => void ctx.add(guestMediaKey, { path: "/out/seed.iso", kind: "seed" }) }),
          stage("linux:install_iso", { adds: ["guest_media"], run: (ctx) => void ctx.add(guestMediaKey, { path: "/out/install.iso", kind: "install" }) }),
        ]),
        plugin("@test/windows", [stage("windows:drivers_iso", { adds: ["guest_media"], run: (ctx) => void ctx.add(guestMediaKey, { path: "/out/virtio.iso", kind: "drivers" }) })]),
      ]);
      const report = await kernel.run();
      expect(report.stages.map((outcome) => outcome.id)).toEqual(["linux:seed_iso", "linux:install_iso", "windows:drivers_iso", "launch:build_command"]);
      expect(items).toEqual([
        { path: "/out/seed.iso", kind: "seed" },
        { path: "/out/install.iso", kind: "install" },
        { path: "/out/virtio.iso", kind: "drivers" },
      ]);
    });

    it("gives an empty list to an optional reader of a collection nobody adds to", async () => {
      let items: unknown[] | undefined;
      const kernel = await kernelWith([
        plugin("@test/launcher", [stage("launch:build_command", { reads: [{ key: "guest_media", optional: true }], run: (ctx) => void (items = ctx.items(guestMediaKey)) })]),
      ]);
      await kernel.run();
      expect(items).toEqual([]);
    });
  });

  it("passes values along a chain of stages of different plugins", async () => {
    let final: unknown;
    const kernel = await kernelWith([
      plugin("@test/guest", [stage("guest:use_vm", { reads: ["vm_definition"], run: (ctx) => void (final = ctx.get(vmDefinitionKey)) })]),
      plugin("@test/qemu", [
        stage("qemu:define_vm", {
          reads: ["environment_data"],
          writes: ["vm_definition"],
          run: (ctx) => void ctx.set(vmDefinitionKey, { name: "web", memoryMiB: ctx.get(environmentDataKey).cpus * 1024 }),
        }),
      ]),
      plugin("@test/env", [stage("env:report", { writes: ["environment_data"], run: (ctx) => void ctx.set(environmentDataKey, { cpus: 4 }) })]),
    ]);
    await kernel.run();
    expect(final).toEqual({ name: "web", memoryMiB: 4096 });
  });

  it("describes each ordered stage: plugin, description, optional and conditional flags, keys", async () => {
    const { buildStageGraph } = await import("../src/index.js");
    const graph = buildStageGraph(
      [
        { plugin: "@test/p", declaration: stage("p:writer", { description: "Writes", adds: ["guest_media"], when: () => true }) },
        { plugin: "@test/p", declaration: stage("p:extra", { optional: true, reads: [{ key: "guest_media", optional: true, provider: "@test/p" }], writes: ["vm_definition"] }) },
      ],
      { include: ["p:extra"] },
    );
    expect(graph.stages).toEqual([
      { id: "p:writer", plugin: "@test/p", description: "Writes", optional: false, conditional: true, after: [], reads: [], writes: [], adds: ["guest_media"] },
      {
        id: "p:extra",
        plugin: "@test/p",
        description: "Test stage p:extra",
        optional: true,
        conditional: false,
        after: ["p:writer"],
        reads: [{ key: "guest_media", optional: true, provider: "@test/p" }],
        writes: ["vm_definition"],
        adds: [],
      },
    ]);
  });

  it("refuses to look up a stage nobody declares", async () => {
    const { caught } = await import("./helpers.js");
    const error = await caught(() => managerWith([plugin("@test/p", [stage("p:one")])]).declarationOf("p:two"));
    expect(error.code).toBe("E_STAGE_UNKNOWN");
  });
});
