import { describe, expect, it, vi } from "vitest";
import { caught, kernelWith, managerWith, plannedIds, plugin, stage, vmDefinitionKey } from "./helpers.js";

const pipeline = () => [
  plugin("@test/env", [stage("env:gather_cpu"), stage("env:report", { dependsOn: ["env:gather_cpu"], writes: ["environment_data"] })]),
  plugin("@test/qemu", [
    stage("qemu:load_request", { writes: ["user_vm_request"] }),
    stage("qemu:define_vm", { reads: ["environment_data", "user_vm_request"], writes: ["vm_definition"] }),
    stage("qemu:libvirt_xml", { reads: ["vm_definition"], writes: ["libvirt_xml_path"] }),
  ]),
  plugin("@test/linux", [stage("linux:seed_iso", { reads: ["vm_definition"], adds: ["guest_media"] })]),
  plugin("@test/unrelated", [stage("unrelated:hello")]),
];

describe("stage selection", () => {
  it("with targetKeys keeps only the writer of the key and what it needs", () => {
    expect(plannedIds(pipeline(), { targetKeys: ["vm_definition"] })).toEqual(["env:gather_cpu", "env:report", "qemu:load_request", "qemu:define_vm"]);
  });

  it("with targetKeys of a collection keeps every adder and what they need", () => {
    expect(plannedIds(pipeline(), { targetKeys: ["guest_media"] })).toEqual(["env:gather_cpu", "env:report", "qemu:load_request", "qemu:define_vm", "linux:seed_iso"]);
  });

  it("rejects a target key that no installed stage produces", async () => {
    const error = await caught(() => plannedIds(pipeline(), { targetKeys: ["no_such_key"] }));
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_SESSION_NO_PROVIDER"]);
    expect(error.problems[0]!.message).toContain("no_such_key");
  });

  it("treats empty target lists as no targets", () => {
    expect(plannedIds(pipeline(), { targetKeys: [], targetStages: [] })).toEqual(plannedIds(pipeline()));
  });

  it("with targetStages keeps those stages and their dependencies", () => {
    expect(plannedIds(pipeline(), { targetStages: ["env:report", "unrelated:hello"] })).toEqual(["env:gather_cpu", "env:report", "unrelated:hello"]);
  });

  it("rejects an unknown target stage", async () => {
    const error = await caught(() => plannedIds(pipeline(), { targetStages: ["env:nope"] }));
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_STAGE_UNKNOWN"]);
    expect(error.problems[0]!.message).toContain("env:nope");
  });

  it("rejects an unknown included stage", async () => {
    const error = await caught(() => plannedIds(pipeline(), { include: ["env:nope"] }));
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_STAGE_UNKNOWN"]);
  });

  describe("optional stages", () => {
    const withOptional = (when?: () => boolean) => [
      plugin("@test/p", [stage("p:main"), stage("p:extra", { optional: true, ...(when ? { when } : {}) })]),
    ];

    it("are left out unless included", () => {
      expect(plannedIds(withOptional())).toEqual(["p:main"]);
      expect(plannedIds(withOptional(), { include: ["p:extra"] })).toEqual(["p:main", "p:extra"]);
    });

    it("run when their condition holds, and are skipped when it does not", async () => {
      const yes = await kernelWith(withOptional(() => true));
      expect((await yes.run()).stages.map((outcome) => [outcome.id, outcome.status])).toEqual([
        ["p:main", "done"],
        ["p:extra", "done"],
      ]);
      const no = await kernelWith(withOptional(() => false));
      expect((await no.run()).stages.map((outcome) => [outcome.id, outcome.status])).toEqual([
        ["p:main", "done"],
        ["p:extra", "skipped"],
      ]);
    });

    it("run when included without their condition being consulted", async () => {
      const when = vi.fn(() => false);
      const run = vi.fn();
      const kernel = await kernelWith([plugin("@test/p", [stage("p:extra", { optional: true, when, run })])]);
      const report = await kernel.run({ selection: { include: ["p:extra"] } });
      expect(when).not.toHaveBeenCalled();
      expect(run).toHaveBeenCalledOnce();
      expect(report.stages[0]!.status).toBe("done");
    });

    it("are pulled in when a selected stage needs their value", () => {
      const order = plannedIds([plugin("@test/p", [stage("p:reader", { reads: ["vm_definition"] }), stage("p:optional_writer", { optional: true, writes: ["vm_definition"] })])]);
      expect(order).toEqual(["p:optional_writer", "p:reader"]);
    });

    it("are not pulled in by an optional read", () => {
      const order = plannedIds([
        plugin("@test/p", [stage("p:reader", { reads: [{ key: "vm_definition", optional: true }] }), stage("p:optional_writer", { optional: true, writes: ["vm_definition"] })]),
      ]);
      expect(order).toEqual(["p:reader"]);
    });
  });

  describe("conditional stages", () => {
    it("skip when the condition is false, and a later stage needing their value fails with E_SESSION_MISSING", async () => {
      const when = vi.fn(async () => false);
      const kernel = await kernelWith([
        plugin("@test/qemu", [
          stage("qemu:configure_vfio", { when, writes: ["vm_definition"], run: (ctx) => void ctx.set(vmDefinitionKey, { name: "x", memoryMiB: 1 }) }),
          stage("qemu:use_vfio", { reads: ["vm_definition"], run: (ctx) => void ctx.get(vmDefinitionKey) }),
        ]),
      ]);
      const error = await caught(() => kernel.run());
      expect(error.code).toBe("E_SESSION_MISSING");
      expect(error.message).toContain("qemu:use_vfio");
      expect(error.message).toContain("vm_definition");
      expect(error.why).toBe("qemu:configure_vfio (@test/qemu) writes session.vm_definition and was skipped (its condition was false).");
      expect(when).toHaveBeenCalledOnce();
    });

    it("get the stage context in their condition and may read the session", async () => {
      const kernel = await kernelWith([
        plugin("@test/p", [
          stage("p:write", { writes: ["vm_definition"], run: (ctx) => void ctx.set(vmDefinitionKey, { name: "big", memoryMiB: 64 }) }),
          stage("p:only_big", { reads: ["vm_definition"], when: (ctx) => ctx.stageId === "p:only_big" && ctx.get(vmDefinitionKey).memoryMiB > 32 }),
        ]),
      ]);
      expect((await kernel.run()).stages.map((outcome) => outcome.status)).toEqual(["done", "done"]);
    });

    it("turn a throwing condition into an error naming the stage", async () => {
      const kernel = await kernelWith([plugin("@test/p", [stage("p:cond", { when: () => { throw new Error("boom"); } })])]);
      const error = await caught(() => kernel.run());
      expect(error.code).toBe("E_STAGE_FAILED");
      expect(error.message).toContain("p:cond");
      expect(error.message).toContain("boom");
    });
  });
});

describe("problems of stages left out", () => {
  const withBrokenOptional = () => [
    plugin("@test/p", [
      stage("p:main"),
      stage("p:broken_optional", { optional: true, reads: [{ key: "vm_definition", provider: "@vmforge/plugin-qemu-setup" }], dependsOn: ["ghost:stage"] }),
    ]),
  ];

  it("do not block a run that does not select them", () => {
    expect(plannedIds(withBrokenOptional())).toEqual(["p:main"]);
    expect(plannedIds([...withBrokenOptional(), plugin("@test/other", [stage("o:broken", { reads: ["nothing_writes_this"] })])], { targetStages: ["p:main"] })).toEqual(["p:main"]);
  });

  it("are reported as soon as the stage is asked for", async () => {
    const error = await caught(() => plannedIds(withBrokenOptional(), { include: ["p:broken_optional"] }));
    expect(error.problems.map((problem) => problem.code).sort()).toEqual(["E_SESSION_NO_PROVIDER", "E_STAGE_UNKNOWN_DEPENDENCY"]);
  });

  it("leave out installation-wide conflicts of stages not selected, and list them with the plugins", async () => {
    const plugins = [
      plugin("@test/a", [stage("a:main"), stage("x:dup", { optional: true, writes: ["vm_definition"] })]),
      plugin("@test/b", [stage("x:dup", { optional: true }), stage("b:writer", { optional: true, writes: ["vm_definition"] })]),
    ];
    const graph = managerWith(plugins).plan({ targetStages: ["a:main"] });
    expect(graph.stages.map((ordered) => ordered.id)).toEqual(["a:main"]);
    expect(graph.ignored?.map(({ plugins: named, problem }) => [problem.code, named])).toEqual([
      ["E_STAGE_DUPLICATE", ["@test/a", "@test/b"]],
      ["E_SESSION_TWO_WRITERS", ["@test/a", "@test/b"]],
    ]);
    // `vmforge stages` shows the whole graph: there they count.
    const error = await caught(() => managerWith(plugins).plan({ targetStages: ["a:main"], strict: true }));
    expect(error.problems.map((problem) => problem.code).sort()).toEqual(["E_SESSION_TWO_WRITERS", "E_STAGE_DUPLICATE"]);
  });

  it("count a conflict as soon as one stage of it is selected", async () => {
    const error = await caught(() =>
      plannedIds([plugin("@test/a", [stage("a:writer", { writes: ["vm_definition"] })]), plugin("@test/b", [stage("b:writer", { optional: true, writes: ["vm_definition"] })])], {
        targetStages: ["a:writer"],
      }),
    );
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_SESSION_TWO_WRITERS"]);
  });
});

describe("one broken plugin and a run that does not use it", () => {
  // env-check writes host_report; a third-party plugin's stages wait on each other and read a key nobody writes.
  const installed = () => [
    plugin("@test/env", [stage("env:gather", { writes: ["host_cpu"] }), stage("env:report", { reads: ["host_cpu"], writes: ["host_report"] })]),
    plugin("vmforge-plugin-broken", [
      stage("broken:one", { reads: ["from_two"], writes: ["from_one"] }),
      stage("broken:two", { reads: ["from_one", "nobody_writes_this"], writes: ["from_two"] }),
    ]),
  ];

  it("runs the stages `vmforge check` selects, and lists the broken plugin's cycle and missing provider as left out", () => {
    const graph = managerWith(installed()).plan({ targetKeys: ["host_report"] });
    expect(graph.stages.map((ordered) => ordered.id)).toEqual(["env:gather", "env:report"]);
    expect(graph.ignored?.map(({ plugins: named, problem }) => [problem.code, named])).toEqual([
      ["E_SESSION_NO_PROVIDER", ["vmforge-plugin-broken"]],
      ["E_STAGE_CYCLE", ["vmforge-plugin-broken"]],
    ]);
  });

  it("still fails a run that selects the broken stages, and the whole graph", async () => {
    const run = await caught(() => managerWith(installed()).plan());
    expect(run.problems.map((problem) => problem.code).sort()).toEqual(["E_SESSION_NO_PROVIDER", "E_STAGE_CYCLE"]);
    const whole = await caught(() => managerWith(installed()).plan({ targetKeys: ["host_report"], strict: true }));
    expect(whole.problems.map((problem) => problem.code).sort()).toEqual(["E_SESSION_NO_PROVIDER", "E_STAGE_CYCLE"]);
  });

  it("a run warns once per broken plugin, and runs", async () => {
    const kernel = await kernelWith(installed());
    const report = await kernel.run({ selection: { targetKeys: ["host_report"] } });
    expect(report.stages.map((outcome) => [outcome.id, outcome.status])).toEqual([
      ["env:gather", "done"],
      ["env:report", "done"],
    ]);
    const warnings = kernel.ui.history().filter((message) => message.type === "Warn");
    expect(warnings).toEqual([
      expect.objectContaining({
        code: "W_PLUGIN_STAGES_BROKEN",
        text: "vmforge-plugin-broken: 2 problems (E_SESSION_NO_PROVIDER, E_STAGE_CYCLE) in stages this run does not use; they are left out.",
      }),
    ]);
  });

  it("the whole graph (strict) reports a cycle through an optional stage no run selects", async () => {
    const plugins = [plugin("@test/p", [stage("p:main", { reads: [{ key: "extra", optional: true }], writes: ["main_out"] }), stage("p:extra", { optional: true, reads: ["main_out"], writes: ["extra"] })])];
    expect(plannedIds(plugins)).toEqual(["p:main"]);
    const error = await caught(() => managerWith(plugins).plan({ strict: true }));
    expect(error.problems.map((problem) => problem.code)).toEqual(["E_STAGE_CYCLE"]);
    expect(error.problems[0]!.message).toMatch(/p:(main|extra) --\(writes session\.\w+, read by\)--> p:(main|extra) --\(writes session\.\w+, read by\)--> p:(main|extra)\./);
  });

  it("a graph without problems left out has no `ignored` field", () => {
    expect(managerWith([plugin("@test/p", [stage("p:one")])]).plan()).not.toHaveProperty("ignored");
  });
});
