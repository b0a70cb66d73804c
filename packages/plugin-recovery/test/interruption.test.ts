import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWhen, tool } from "@vmforge/test-support";
import { artifactsOf, ensureBuilt, makeLab, type Lab } from "./support/lab.js";
import { signalWhen } from "./support/kill-at.js";
import { checkpointOf } from "./support/killed-run.js";

const VM = "lab";
const SLOW = { LAB_QEMU_IMG_DELAY: "1" };
const DISK_STAGE = "qemu_setup:create_disk_images";

describeWhen(tool("qemu-img", "qemu-utils"))("Ctrl-C, SIGTERM and a kill in the middle of qemu-img create", () => {
  let lab: Lab;
  let reference: Map<string, Buffer>;

  beforeAll(async () => {
    ensureBuilt();
    lab = makeLab("interrupt");
    lab.writeToml("lab.toml", VM);
    const uninterrupted = await lab.vmforge(["apply", "lab.toml"]);
    expect(uninterrupted.exitCode, uninterrupted.stderr).toBe(0);
    reference = artifactsOf(lab.runDir(VM));
  });
  afterAll(() => lab.remove());

  async function expectResumedToReference(extra: string[] = []): Promise<string> {
    const resumed = await lab.vmforge(["resume", VM, "--json-lines", ...extra]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const after = artifactsOf(lab.runDir(VM));
    expect([...after.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [name, bytes] of reference) expect(after.get(name)?.equals(bytes), name).toBe(true);
    expect(readdirSync(lab.recoveryDir())).toEqual([]);
    return resumed.stdout;
  }

  it("SIGINT while qemu-img runs: it finishes, the checkpoint is saved, plan.json says what was done, the message says `vmforge resume lab`, exit 130", async () => {
    lab.reset();
    const { result } = await signalWhen(lab.vmforge(["apply", "lab.toml", "--json-lines"], { env: SLOW }), (event) => event.event === "stage-start" && event.stage === DISK_STAGE, "SIGINT", 300);
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain("error[E_INTERRUPTED]: Stopped by SIGINT");
    expect(result.stderr).toContain(`Then \`vmforge resume lab --host-root ${lab.hostRoot}\` goes on from qemu_setup:copy_ovmf_vars, the stages done kept.`);
    // The image qemu-img was making was finished and put in place; nothing half-made is left.
    expect(readdirSync(lab.runDir(VM)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(lab.runDir(VM), "disk0.qcow2"))).toBe(true);
    const plan = JSON.parse(readFileSync(join(lab.runDir(VM), "plan.json"), "utf8")) as { ok: boolean; error: { code: string }; effects: Array<{ kind: string; status: string; command?: string[] }> };
    expect(plan).toMatchObject({ ok: false, error: { code: "E_INTERRUPTED" } });
    expect(plan.effects.filter((effect) => effect.command?.includes("create")).map((effect) => effect.status)).toEqual(["done"]);
    const checkpoint = checkpointOf(lab, VM);
    expect(checkpoint).toMatchObject({ status: "interrupted", error: { code: "E_INTERRUPTED" }, inFlight: [] });
    expect(checkpoint.stages.pending).toEqual(["qemu_setup:copy_ovmf_vars"]);
    expect(readdirSync(lab.recoveryDir())).toEqual([`${VM}.json`]);
    await expectResumedToReference();
  });

  it("SIGTERM: the same, exit 143", async () => {
    lab.reset();
    const { result } = await signalWhen(lab.vmforge(["apply", "lab.toml", "--json-lines"], { env: SLOW }), (event) => event.event === "stage-start" && event.stage === DISK_STAGE, "SIGTERM", 300);
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toContain("Stopped by SIGTERM");
    expect(result.stderr).toContain(`\`vmforge resume lab --host-root ${lab.hostRoot}\``);
    expect(checkpointOf(lab, VM)).toMatchObject({ status: "interrupted", error: { code: "E_INTERRUPTED" } });
  });

  it("SIGKILL while qemu-img runs: the checkpoint names the create as under way; the resume stops the orphaned qemu-img, checks what it left and makes the image again", async () => {
    lab.reset();
    // A qemu-img slow enough to still be running, orphaned, when the resume takes the lock over.
    const { result } = await signalWhen(lab.vmforge(["apply", "lab.toml", "--json-lines"], { env: { LAB_QEMU_IMG_DELAY: "4" } }), (event) => event.event === "stage-start" && event.stage === DISK_STAGE, "SIGKILL", 400);
    expect(result.signal).toBe("SIGKILL");
    const checkpoint = checkpointOf(lab, VM);
    expect(checkpoint.status).toBe("running");
    expect(checkpoint.inFlight).toMatchObject([{ kind: "run", stage: DISK_STAGE, command: expect.arrayContaining(["create", join(lab.runDir(VM), ".disk0.qcow2.partial.tmp")]) }]);
    // What the killed qemu-img left: a half-written image under its temporary name.
    expect(readFileSync(join(lab.runDir(VM), ".disk0.qcow2.partial.tmp")).subarray(0, 3).toString()).toBe("QFI");
    const stdout = await expectResumedToReference();
    expect(stdout).toContain('"code":"W_LOCK_STALE"');
    expect(stdout).toMatch(/It had left 2 programs running, now stopped: \d+ \(\/bin\/sh [^)]*qemu-img create/);
    expect(stdout).toContain("The run before was stopped while it created");
    expect(stdout).toContain("the image was not finished, so it is made again");
  });
});
