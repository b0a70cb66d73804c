import { describe, expect, it } from "vitest";
import { ExitCode, type Problem } from "../src/index.js";
import { caught, managerWith, plugin, stage } from "./helpers.js";
import type { Plugin } from "../src/index.js";

async function graphProblems(plugins: Plugin[]): Promise<{ error: Awaited<ReturnType<typeof caught>>; problems: Problem[] }> {
  const error = await caught(() => managerWith(plugins).plan());
  expect(error.code).toBe("E_STAGE_GRAPH");
  expect(error.exitCode).toBe(ExitCode.usage);
  return { error, problems: error.problems };
}

function only(problems: Problem[], code: string): Problem {
  const matching = problems.filter((problem) => problem.code === code);
  expect(matching).toHaveLength(1);
  return matching[0]!;
}

describe("stage graph errors", () => {
  it("reports a cycle of explicit and data edges, listing the stages in it", async () => {
    const { problems } = await graphProblems([
      plugin("@test/a", [stage("a:first", { dependsOn: ["b:second"], writes: ["vm_definition"] })]),
      plugin("@test/b", [stage("b:second", { reads: ["vm_definition"] })]),
    ]);
    const cycle = only(problems, "E_STAGE_CYCLE");
    expect(cycle.message).toBe("Stages wait on each other in a cycle: a:first --(writes session.vm_definition, read by)--> b:second --(is in the dependsOn of)--> a:first.");
    expect(cycle.fix).toBe(
      'Break one edge of it: b:second (@test/b) must not read session.vm_definition, or a:first (@test/a) must not write it, or the read is marked optional ({ key: "vm_definition", optional: true }); or remove b:second from the dependsOn of a:first (@test/a).',
    );
  });

  it("never suggests removing a dependsOn in a cycle made of data edges alone, and names every key of an edge", async () => {
    const { problems } = await graphProblems([
      plugin("@test/a", [stage("a:make", { reads: [{ key: "guest_media", optional: true }], writes: ["vm_definition", "extra_key"] })]),
      plugin("@test/b", [stage("b:use", { reads: ["vm_definition", "extra_key"], adds: ["guest_media"] })]),
    ]);
    const cycle = only(problems, "E_STAGE_CYCLE");
    expect(cycle.message).toBe(
      "Stages wait on each other in a cycle: a:make --(writes session.vm_definition, read by; writes session.extra_key, read by)--> b:use --(adds to session.guest_media, read by)--> a:make.",
    );
    expect(cycle.fix).not.toMatch(/dependsOn/);
    // The read of guest_media is already optional: marking it so would change nothing.
    expect(cycle.fix).toContain("a:make (@test/a) must not read session.guest_media, or b:use (@test/b) must not write it (an optional read still waits for its writers)");
    expect(cycle.fix).toContain('or the read is marked optional ({ key: "vm_definition", optional: true })');
  });

  it("lists only the stages of the cycle, not the stages waiting behind it", async () => {
    const { problems } = await graphProblems([
      plugin("@test/p", [
        stage("p:before"),
        stage("p:downstream", { dependsOn: ["p:one"] }),
        stage("p:one", { dependsOn: ["p:three", "p:before"] }),
        stage("p:two", { dependsOn: ["p:one"] }),
        stage("p:three", { dependsOn: ["p:two"] }),
      ]),
    ]);
    const cycle = only(problems, "E_STAGE_CYCLE");
    const listed = cycle.message.slice(cycle.message.indexOf(":") + 1);
    for (const id of ["p:one", "p:two", "p:three"]) expect(listed).toContain(id);
    expect(listed).not.toContain("p:downstream");
    expect(listed).not.toContain("p:before");
  });

  it("reports two separate cycles in one error", async () => {
    const { problems } = await graphProblems([
      plugin("@test/p", [
        stage("p:a1", { dependsOn: ["p:a2"] }),
        stage("p:a2", { dependsOn: ["p:a1"] }),
        stage("p:between", { dependsOn: ["p:a1"] }),
        stage("p:b1", { dependsOn: ["p:b2", "p:between"] }),
        stage("p:b2", { dependsOn: ["p:b1"] }),
      ]),
    ]);
    const cycles = problems.filter((problem) => problem.code === "E_STAGE_CYCLE").map((problem) => problem.message);
    expect(cycles).toHaveLength(2);
    expect(cycles[0]).toMatch(/p:a1 --\(is in the dependsOn of\)--> p:a2 --\(is in the dependsOn of\)--> p:a1|p:a2 --\(is in the dependsOn of\)--> p:a1 --\(is in the dependsOn of\)--> p:a2/);
    expect(cycles[1]).toMatch(/p:b1 --\(is in the dependsOn of\)--> p:b2 --\(is in the dependsOn of\)--> p:b1|p:b2 --\(is in the dependsOn of\)--> p:b1 --\(is in the dependsOn of\)--> p:b2/);
  });

  it("reports a stage that depends on itself as a cycle", async () => {
    const { problems } = await graphProblems([plugin("@test/p", [stage("p:loop", { dependsOn: ["p:loop"] })])]);
    expect(only(problems, "E_STAGE_CYCLE").message).toContain("p:loop -> p:loop");
  });

  it("names both packages when two plugins declare the same stage id", async () => {
    const { problems } = await graphProblems([plugin("@test/first", [stage("shared:do_thing")]), plugin("vmforge-plugin-second", [stage("shared:do_thing")])]);
    const duplicate = only(problems, "E_STAGE_DUPLICATE");
    expect(duplicate.message).toContain("shared:do_thing");
    expect(duplicate.message).toContain("@test/first");
    expect(duplicate.message).toContain("vmforge-plugin-second");
  });

  it("reports a stage id declared twice by one plugin", async () => {
    const { problems } = await graphProblems([plugin("@test/first", [stage("p:twice"), stage("p:twice")])]);
    const duplicate = only(problems, "E_STAGE_DUPLICATE");
    expect(duplicate.message).toContain("p:twice");
    expect(duplicate.message).toContain("@test/first");
  });

  it("reports a dependsOn on a stage nobody declares, naming the stage, its package and the missing id", async () => {
    const { problems } = await graphProblems([plugin("@test/qemu", [stage("qemu:define_vm", { dependsOn: ["env_check:finalize_host_report"] })])]);
    const unknown = only(problems, "E_STAGE_UNKNOWN_DEPENDENCY");
    expect(unknown.message).toContain("qemu:define_vm");
    expect(unknown.message).toContain("@test/qemu");
    expect(unknown.message).toContain("env_check:finalize_host_report");
    // No installed plugin has env_check: stages: that plugin is what is missing.
    expect(unknown.message).toContain("no installed plugin declares env_check: stages");
    expect(unknown.fix).toMatch(/^Install the plugin that provides the env_check: stages/);
  });

  it("answers a typo in a dependsOn with a did-you-mean over the installed stage ids, not with an install", async () => {
    const { problems } = await graphProblems([
      plugin("@test/env", [stage("env_check:finalize_host_report", { writes: ["host_report"] })]),
      plugin("vmforge-plugin-windows", [stage("windows:write_answer_file", { dependsOn: ["env_check:finalise_host_report"] })]),
    ]);
    const unknown = only(problems, "E_STAGE_UNKNOWN_DEPENDENCY");
    expect(unknown.message).toBe(
      "Stage windows:write_answer_file (vmforge-plugin-windows) depends on env_check:finalise_host_report, an unknown stage id; did you mean env_check:finalize_host_report?",
    );
    expect(unknown.fix).toBe('Correct the dependsOn of windows:write_answer_file in vmforge-plugin-windows: "env_check:finalise_host_report" -> "env_check:finalize_host_report".');
    expect(unknown.fix).not.toMatch(/install/i);
  });

  it("calls an id of an installed plugin's prefix that is nothing like its stages unknown, and suggests no install", async () => {
    const { problems } = await graphProblems([
      plugin("@test/env", [stage("env_check:finalize_host_report")]),
      plugin("vmforge-plugin-windows", [stage("windows:write_answer_file", { dependsOn: ["env_check:something_else_entirely"] })]),
    ]);
    const unknown = only(problems, "E_STAGE_UNKNOWN_DEPENDENCY");
    expect(unknown.message).toContain("an unknown stage id: the installed plugins declare no such env_check: stage");
    expect(unknown.fix).not.toMatch(/install/i);
    expect(unknown.fix).toContain("`vmforge stages` lists the stage ids");
  });

  it("reports a required read with no writer, naming the stage, the key and the provider package", async () => {
    const { problems } = await graphProblems([
      plugin("@test/linux", [stage("linux_setup:generate_cloud_init_meta", { reads: [{ key: "vm_definition", provider: "@vmforge/plugin-qemu-setup" }] })]),
    ]);
    const missing = only(problems, "E_SESSION_NO_PROVIDER");
    expect(missing.message).toContain("linux_setup:generate_cloud_init_meta");
    expect(missing.message).toContain("vm_definition");
    expect(missing.message).toContain("@vmforge/plugin-qemu-setup");
    expect(missing.fix).toContain("@vmforge/plugin-qemu-setup");
  });

  it("reports a required read of a collection that nobody adds to", async () => {
    const { problems } = await graphProblems([plugin("@test/launch", [stage("launch:build", { reads: ["guest_media"] })])]);
    expect(only(problems, "E_SESSION_NO_PROVIDER").message).toContain("guest_media");
  });

  it("reports two writers of one value key, naming both stages and both packages", async () => {
    const { problems } = await graphProblems([
      plugin("@test/one", [stage("one:define_vm", { writes: ["vm_definition"] })]),
      plugin("@test/two", [stage("two:define_vm", { writes: ["vm_definition"] })]),
    ]);
    const twoWriters = only(problems, "E_SESSION_TWO_WRITERS");
    for (const part of ["vm_definition", "one:define_vm", "two:define_vm", "@test/one", "@test/two"]) expect(twoWriters.message).toContain(part);
  });

  it("reports a key written as a value by one stage and added to as a collection by another", async () => {
    const { problems } = await graphProblems([
      plugin("@test/one", [stage("one:write_media", { writes: ["guest_media"] })]),
      plugin("@test/two", [stage("two:add_media", { adds: ["guest_media"] })]),
    ]);
    const mismatch = only(problems, "E_SESSION_KIND_MISMATCH");
    for (const part of ["guest_media", "one:write_media", "two:add_media", "@test/one", "@test/two"]) expect(mismatch.message).toContain(part);
    expect(mismatch.fix).toBeTruthy();
  });

  it("reports every problem at once in one error", async () => {
    const { error, problems } = await graphProblems([
      plugin("@test/one", [
        stage("one:dup"),
        stage("one:needs_missing", { reads: ["nobody_writes_this"], dependsOn: ["ghost:stage"] }),
        stage("one:writer", { writes: ["vm_definition"] }),
        stage("one:loop_a", { dependsOn: ["one:loop_b"] }),
        stage("one:loop_b", { dependsOn: ["one:loop_a"] }),
      ]),
      plugin("@test/two", [stage("one:dup"), stage("two:writer", { writes: ["vm_definition"] }), stage("two:adder", { adds: ["vm_definition"] })]),
    ]);
    expect(problems.map((problem) => problem.code).sort()).toEqual(
      ["E_SESSION_KIND_MISMATCH", "E_SESSION_NO_PROVIDER", "E_SESSION_TWO_WRITERS", "E_STAGE_CYCLE", "E_STAGE_DUPLICATE", "E_STAGE_UNKNOWN_DEPENDENCY"].sort(),
    );
    expect(error.message).toContain("6 problems");
    expect(error.isUserError).toBe(true);
    expect(error.why).toBeTruthy();
  });

  it("rejects a run of a broken graph before any stage or preflight runs", async () => {
    const { kernelWith } = await import("./helpers.js");
    let ran = false;
    const kernel = await kernelWith([
      plugin("@test/p", [stage("p:runs", { run: () => void (ran = true) }), stage("p:broken", { reads: ["nothing_writes"] })], { preflightCheck: () => void (ran = true) }),
    ]);
    const error = await caught(() => kernel.run());
    expect(error.code).toBe("E_STAGE_GRAPH");
    expect(ran).toBe(false);
  });
});
