import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerOfThisProcess } from "../src/run-lock.js";
import { serializeLock } from "../src/lock-file.js";
import { ensureBuilt, makeLab, type Lab } from "./support/lab.js";
import { checkpointOf, killedRun } from "./support/killed-run.js";
import { signalWhen } from "./support/kill-at.js";

const VM = "lab";

describe("dry runs keep their checkpoints and locks apart from real runs, inside their --out folder", () => {
  let lab: Lab;
  let out: string;
  beforeAll(() => {
    ensureBuilt();
    lab = makeLab("dry");
    lab.writeToml("lab.toml", VM);
    out = join(lab.dir, "out");
  });
  afterAll(() => lab.remove());

  it("an interrupted plan leaves its checkpoint, with every stage it did, inside its --out folder and nowhere else; resuming it finishes the plan without touching the host", async () => {
    const { result, sent } = await signalWhen(lab.vmforge(["plan", "lab.toml", "--json-lines", "--out", out]), (event) => event.event === "stage-end" && event.stage === "linux_setup:generate_cloud_init_meta", "SIGINT");
    expect(sent, result.stderr).toBe(true);
    expect(result.exitCode, result.stderr).toBe(130);
    expect(existsSync(join(lab.recoveryDir(out), `${VM}.json`))).toBe(true);
    expect(checkpointOf(lab, VM, out).stages.done).toContain("linux_setup:generate_cloud_init_meta");
    // A dry run writes nothing outside the folder the user asked for: no data folder at all.
    expect(existsSync(lab.dataHome)).toBe(false);
    const realOnly = JSON.parse((await lab.vmforge(["resume", "--json"])).stdout) as { runs: unknown[] };
    expect(realOnly.runs).toEqual([]);
    const listed = JSON.parse((await lab.vmforge(["resume", "--json", "--out", out])).stdout) as { runs: Array<{ dryRun: boolean; resume: string }> };
    expect(listed.runs).toMatchObject([{ dryRun: true, resume: `vmforge resume ${VM} --plan --out ${out} --host-root ${lab.hostRoot}` }]);
    const needsOut = await lab.vmforge(["resume", VM, "--plan"]);
    expect(needsOut.exitCode).toBe(2);
    expect(needsOut.stderr).toContain("give it with --plan --out DIR");

    const resumed = await lab.vmforge(["resume", VM, "--plan", "--out", out, "--json"]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const plan = JSON.parse(resumed.stdout) as { command: string; dryRun: boolean; resumed: boolean; effects: Array<{ kind: string; status: string; resumed?: true }> };
    expect(plan).toMatchObject({ command: "plan", dryRun: true, resumed: true });
    expect(plan.effects.filter((effect) => effect.kind === "run").map((effect) => effect.status)).toEqual(["planned"]);
    expect(plan.effects.some((effect) => effect.resumed)).toBe(true);
    expect(existsSync(join(out, "seed.iso"))).toBe(true);
    expect(existsSync(join(out, "disk0.qcow2"))).toBe(false);
    expect(existsSync(lab.runDir(VM))).toBe(false);
    expect(existsSync(join(lab.recoveryDir(out), `${VM}.json`))).toBe(false);
    expect(existsSync(lab.dataHome)).toBe(false);
  });

  it("a plan killed outright (SIGKILL) may have saved less than it did, at most a second behind; resuming still finishes it", async () => {
    const killedOut = join(lab.dir, "killed-out");
    await killedRun(lab, "lab.toml", "linux_setup:generate_cloud_init_meta", "plan", ["--out", killedOut]);
    const saved = checkpointOf(lab, VM, killedOut);
    expect(saved).toMatchObject({ dryRun: true, status: "running" });
    expect(saved.stages.done).not.toContain("linux_setup:assemble_cloud_init_iso");
    const resumed = await lab.vmforge(["resume", VM, "--plan", "--out", killedOut, "--json"]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ command: "plan", dryRun: true, resumed: true });
    expect(existsSync(join(killedOut, "seed.iso"))).toBe(true);
    expect(existsSync(join(lab.recoveryDir(killedOut), `${VM}.json`))).toBe(false);
    expect(existsSync(lab.dataHome)).toBe(false);
  });

  it("a plan without --out keeps no run state: it writes nothing at all", async () => {
    const plan = await lab.vmforge(["plan", "lab.toml"]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(existsSync(lab.dataHome)).toBe(false);
  });

  it("a live real run's lock stops another apply (exit 75, naming the owner) but not a plan; --plan --out picks the dry run's checkpoint", async () => {
    mkdirSync(lab.recoveryDir(), { recursive: true, mode: 0o700 });
    const lock = join(lab.recoveryDir(), `${VM}.lock`);
    const owner = await ownerOfThisProcess({ vm: VM, dryRun: false, runId: "f".repeat(32) });
    writeFileSync(lock, serializeLock({ ...owner, command: "vmforge apply other.toml" }), { mode: 0o600 });
    try {
      const plan = await lab.vmforge(["plan", "lab.toml", "--out", out]);
      expect(plan.exitCode, plan.stderr).toBe(0);
      const apply = await lab.vmforge(["apply", "lab.toml"]);
      expect(apply.exitCode).toBe(75);
      expect(apply.stderr).toContain(`error[E_RUN_BUSY]: ${VM} is being set up by another vmforge run: pid ${process.pid} ("vmforge apply other.toml", since ${owner.since})`);
      expect(apply.stderr).toContain("--wait");
      expect(readFileSync(lock, "utf8")).toContain("other.toml");
      const none = await lab.vmforge(["resume", VM, "--plan", "--out", out]);
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toContain(`Nothing to resume for ${VM} (dry run)`);
    } finally {
      rmSync(lock, { force: true });
    }
  });
});
