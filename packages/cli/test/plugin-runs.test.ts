import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { cliBin, makeProject, readJson, tempRoot } from "./project-fixture.js";

/**
 * `vmforge-plugin-runner` owns [vm]; `runner:slow_step` runs `sleep` (as long as `--slow` asks)
 * through the effects API, `runner:after` comes next; both leave markers. It declares the
 * flags --slow and --extra-care and the command `runner again`, which plans through runWorkflow.
 */
function writeRunner(root: string, markers: string): string {
  const dir = join(root, "sources", "vmforge-plugin-runner");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "vmforge-plugin-runner", version: "0.2.0", type: "module", exports: { "./plugin": "./plugin.js", "./package.json": "./package.json" } }));
  const marker = (name: string) => JSON.stringify(join(markers, name));
  writeFileSync(
    join(dir, "plugin.js"),
    `export const plugin = {
  name: "vmforge-plugin-runner", version: "0.2.0", description: "runs", config: { tables: ["vm"], schema: async () => ({ safeParse: (value) => ({ success: true, data: value }) }) },
  flags: [{ name: "slow", description: "take a while" }, { name: "extra-care", description: "be careful" }],
  commands: [{ name: "runner again", summary: "plans again", usage: "vmforge runner again CONFIG OUT", load: () => import("./again.js") }],
  stages: [
    { id: "runner:slow_step", description: "slow", load: () => import("./slow.js") },
    { id: "runner:after", description: "after", dependsOn: ["runner:slow_step"], load: () => import("./after.js") },
  ],
};`,
  );
  writeFileSync(
    join(dir, "slow.js"),
    `import { writeFileSync } from "node:fs";
export async function run(ctx) {
  ctx.setRunName("demo");
  writeFileSync(${marker("flags.json")}, JSON.stringify(ctx.input.flags));
  if (ctx.input.flags.slow) await ctx.effects.run("sleep", ["1.5"], { description: "a slow step" });
  await ctx.writeArtifact("slow.txt", "slow step done");
}`,
  );
  writeFileSync(join(dir, "after.js"), `import { writeFileSync } from "node:fs";\nexport async function run() { writeFileSync(${marker("after-ran")}, ""); }`);
  writeFileSync(
    join(dir, "again.js"),
    `import { resolve } from "node:path";
export async function run(args, ctx) { return ctx.runWorkflow({ dryRun: true, configPath: resolve(ctx.cwd, args[0]), outputDir: resolve(ctx.cwd, args[1]), flags: { extraCare: true } }); }`,
  );
  return dir;
}

/** Sends `signals` once the run printed the start of `stage` (after `delayMs`, `gapMs` apart). */
async function signalDuring(run: ResultPromise, stage: string, signals: NodeJS.Signals[], delayMs: number, gapMs = 0) {
  let sent = false;
  run.stdout!.on("data", (chunk: Buffer) => {
    if (sent || !chunk.toString().includes(`"stage-start","stage":"${stage}"`)) return;
    sent = true;
    signals.forEach((signal, index) => setTimeout(() => run.kill(signal), delayMs + index * gapMs));
  });
  return run;
}

describe("runs of plugins: their flags, their commands, Ctrl-C", () => {
  const { root, markers } = tempRoot("plugin-runs");
  let project: string;

  beforeAll(() => {
    const runner = writeRunner(root, markers);
    project = makeProject(root, { "vmforge-plugin-runner": `file:${runner}` });
    writeFileSync(join(project, "vm.toml"), '[vm]\nname = "demo"\n');
  }, 120_000);

  const vmforge = (args: string[]) => execa("node", [cliBin, ...args], { cwd: project, reject: false });

  it("a flag a plugin declares reaches its stages as input.flags (--extra-care is extraCare)", async () => {
    const result = await vmforge(["plan", "vm.toml", "--extra-care", "--out", join(root, "out-flags")]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readJson(join(markers, "flags.json"))).toEqual({ bindVfio: false, extraCare: true });
  });

  it("an option no plugin declares is a usage error naming the flags there are", async () => {
    const result = await vmforge(["plan", "vm.toml", "--extra-kare"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("Unknown option '--extra-kare'; did you mean --extra-care?");
    expect(result.stderr).toContain("installed plugins add: --slow, --extra-care");
  });

  it("vmforge plugins lists each plugin's commands and flags", async () => {
    const result = await vmforge(["plugins", "--json"]);
    const [runner] = (JSON.parse(result.stdout) as { plugins: Array<{ commands: unknown[]; flags: unknown[] }> }).plugins;
    expect(runner?.commands).toEqual([{ name: "runner again", usage: "vmforge runner again CONFIG OUT", summary: "plans again" }]);
    expect(runner?.flags).toEqual([
      { name: "--slow", description: "take a while" },
      { name: "--extra-care", description: "be careful" },
    ]);
  });

  it("a plugin command runs the pipeline as plan does (runWorkflow), with plan.json", async () => {
    const out = join(root, "out-again");
    const result = await vmforge(["runner", "again", "vm.toml", out, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ command: "plan", ok: true, dryRun: true, resumed: false, name: "demo" });
    expect(readJson<{ ok: boolean }>(join(out, "plan.json")).ok).toBe(true);
    expect(readFileSync(join(out, "slow.txt"), "utf8")).toBe("slow step done");
  });

  it("Ctrl-C (SIGINT) lets the running step finish, starts nothing more, records it in plan.json and exits 130", async () => {
    const out = join(root, "out-int");
    rmSync(join(markers, "after-ran"), { force: true });
    const result = await signalDuring(execa("node", [cliBin, "apply", "vm.toml", "--slow", "--out", out, "--json-lines"], { cwd: project, reject: false }), "runner:slow_step", ["SIGINT"], 400);
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toContain('"code":"W_STOPPING"');
    // The program that was running ended; the write that would have come next never started.
    expect(result.stderr).toContain("error[E_INTERRUPTED]: Stopped by SIGINT during runner:slow_step, before its next step.");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(markers, "after-ran"))).toBe(false);
    expect(existsSync(join(out, "slow.txt"))).toBe(false);
    const plan = readJson<{ ok: boolean; error: { code: string; exitCode: number }; stages: Array<{ id: string; status: string }>; effects: Array<{ kind: string; status: string }> }>(join(out, "plan.json"));
    expect(plan.ok).toBe(false);
    expect(plan.error).toMatchObject({ code: "E_INTERRUPTED", exitCode: 130 });
    expect(plan.stages).toEqual([expect.objectContaining({ id: "runner:slow_step", status: "failed" })]);
    expect(plan.effects.map((effect) => `${effect.kind} ${effect.status}`)).toEqual(["run done"]);
  });

  it("SIGTERM does the same with exit code 143", async () => {
    const result = await signalDuring(execa("node", [cliBin, "apply", "vm.toml", "--slow", "--out", join(root, "out-term"), "--json-lines"], { cwd: project, reject: false }), "runner:slow_step", ["SIGTERM"], 400);
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toContain("error[E_INTERRUPTED]: Stopped by SIGTERM during runner:slow_step");
  });

  it("a second Ctrl-C stops at once, without waiting for the running step", async () => {
    const result = await signalDuring(execa("node", [cliBin, "apply", "vm.toml", "--slow", "--out", join(root, "out-twice"), "--json-lines"], { cwd: project, reject: false }), "runner:slow_step", ["SIGINT", "SIGINT"], 200, 100);
    expect(result.exitCode).toBe(130);
    // The step (sleep 1.5, then the artifact) never finished: the process was gone before.
    expect(existsSync(join(root, "out-twice", "slow.txt"))).toBe(false);
  });
});

describe("vmforge resume without the recovery plugin", () => {
  it("names the package that adds the command, and how to install it", async () => {
    const { root } = tempRoot("no-recovery");
    const project = makeProject(root, {});
    const result = await execa("node", [cliBin, "resume", "web-1"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error[E_COMMAND_UNAVAILABLE]: `vmforge resume` comes from @vmforge/plugin-recovery");
    expect(result.stderr).toContain("npm i -D @vmforge/plugin-recovery");
  });
});

describe("vmforge start/status/stop/console without the lifecycle plugin", () => {
  it.each(["start", "status", "stop", "console"])("%s names @vmforge/plugin-lifecycle and how to install it", async (command) => {
    const { root } = tempRoot("no-lifecycle");
    const project = makeProject(root, {});
    const result = await execa("node", [cliBin, command, "web-1"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error[E_COMMAND_UNAVAILABLE]: \`vmforge ${command}\` comes from @vmforge/plugin-lifecycle`);
    expect(result.stderr).toContain("npm i -D @vmforge/plugin-lifecycle");
  });
});
