import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "@vmforge/kernel/zod";
import { Kernel, VmforgeError, defineSessionKey, definePlugin, type Plugin } from "@vmforge/kernel";
import { describeWhen, tool } from "@vmforge/test-support";
import { plugin as recovery } from "../src/plugin.js";
import { readCheckpoint } from "../src/checkpoint-file.js";
import { resumeStateOf } from "../src/resume-state.js";
import { PASSWORD_HASH, ensureBuilt, makeLab, type Lab } from "./support/lab.js";
import { checkpointOf, killedRun } from "./support/killed-run.js";

const VM = "lab";

describeWhen(tool("qemu-img", "qemu-utils"))("secrets never enter a checkpoint (the real pipeline)", () => {
  let lab: Lab;
  beforeAll(async () => {
    ensureBuilt();
    lab = makeLab("secrets");
    lab.writeToml("lab.toml", VM);
    await killedRun(lab, "lab.toml", "linux_setup:assemble_cloud_init_iso");
  });
  afterAll(() => lab.remove());

  it("keys marked secret (the request, linux_config, cloud-init user-data) are kept as a salted hash; the password hash appears nowhere", () => {
    const text = readFileSync(join(lab.recoveryDir(), `${VM}.json`), "utf8");
    expect(text).not.toContain(PASSWORD_HASH);
    expect(text).not.toContain(PASSWORD_HASH.split("$")[3]!);
    expect(text).not.toContain("lAbSaLt");
    const secrets = checkpointOf(lab, VM).session.filter((entry) => entry.secret);
    expect(secrets.map((entry) => entry.name).sort()).toEqual(["cloud_init_user_data", "linux_config", "user_vm_request"]);
    for (const entry of secrets) expect(entry).toMatchObject({ salt: expect.stringMatching(/^[0-9a-f]{32}$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(checkpointOf(lab, VM).session.find((entry) => entry.name === "vm_definition")).toMatchObject({ secret: false, writers: ["qemu_setup:finalize_vm_definition"] });
  });

  it("a resume runs the stages that make them again, checks them against the hashes, and the guest still gets the hash", async () => {
    const result = await lab.vmforge(["resume", VM, "--json-lines"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("qemu_setup:load_vm_config_toml, linux_setup:load_config_toml, linux_setup:generate_cloud_init_user run again to make the secrets the checkpoint does not hold");
    const ran = result.stdout.split("\n").filter((line) => line.includes('"event":"stage-end"') && line.includes('"status":"done"')).map((line) => (JSON.parse(line) as { stage: string }).stage);
    expect(ran.slice(0, 3)).toEqual(["qemu_setup:load_vm_config_toml", "linux_setup:load_config_toml", "linux_setup:generate_cloud_init_user"]);
    // What was derived from them (and saved) is not made again.
    expect(ran).not.toContain("qemu_setup:finalize_vm_definition");
    expect(ran).not.toContain("linux_setup:generate_cloud_init_meta");
    expect(readFileSync(join(lab.runDir(VM), "cloud-init", "user-data"), "utf8")).toContain(PASSWORD_HASH);
  });
});

describe("a secret made again differently stops the resumed run (in-process, through the kernel)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmforge-recovery-diverge-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tokenKey = defineSessionKey("token", z.string(), { secret: true });
  const lengthKey = defineSessionKey("token_length", z.number());

  /** `fake:load` makes the secret, `fake:use` derives from it, `fake:last` fails while `failing` says so. */
  function fakePlugin(token: string, failing: { now: boolean }, ran: string[]): Plugin {
    return definePlugin({
      name: "vmforge-plugin-fake",
      version: "1.0.0",
      description: "fake",
      preflightCheck: (ctx) => void ctx.setRunName?.("sec"),
      stages: [
        { id: "fake:load", description: "", writes: ["token"], load: async () => ({ run: (ctx) => void (ran.push("fake:load"), ctx.set(tokenKey, token)) }) },
        { id: "fake:use", description: "", reads: ["token"], writes: ["token_length"], load: async () => ({ run: (ctx) => void (ran.push("fake:use"), ctx.set(lengthKey, ctx.get(tokenKey).length)) }) },
        {
          id: "fake:last",
          description: "",
          reads: ["token_length"],
          load: async () => ({
            run: (ctx) => {
              ran.push("fake:last");
              if (failing.now) throw new VmforgeError("E_FAKE", "not yet");
              expect(ctx.get(lengthKey)).toBe(5);
            },
          }),
        },
      ],
    });
  }

  async function kernelWith(token: string, failing: { now: boolean }, ran: string[]): Promise<Kernel> {
    const kernel = new Kernel({ env: { VMFORGE_DATA_HOME: join(dir, "data"), HOME: dir } });
    await kernel.use(recovery);
    await kernel.use(fakePlugin(token, failing, ran));
    return kernel;
  }

  it("the same secret again: the resumed run skips what it derived and finishes; another one: E_RESUME_DIVERGED, exit 2", async () => {
    const configPath = join(dir, "sec.toml");
    writeFileSync(configPath, "[vm]\nname = \"sec\"\n");
    const failing = { now: true };
    const first = await kernelWith("alpha", failing, []);
    await expect(first.run({ input: { configPath, flags: {} } })).rejects.toThrow("not yet");
    const file = join(dir, "data", "recovery", "sec.json");
    expect(readFileSync(file, "utf8")).not.toContain("alpha");
    const read = (await readCheckpoint(file))!;
    const resume = resumeStateOf(read.checkpoint, { checkpoint: file, sha256: read.sha256 });
    expect(resume.completed).toEqual(["fake:use"]);

    const diverging = await kernelWith("bravo", failing, []);
    const error = await diverging.run({ input: { configPath, flags: {} }, resume }).catch((caught: VmforgeError) => caught);
    expect(error).toMatchObject({ code: "E_RESUME_DIVERGED", exitCode: 2 });
    expect((error as VmforgeError).fix).toContain("vmforge resume sec --restart");

    failing.now = false;
    const ran: string[] = [];
    const same = await kernelWith("alpha", failing, ran);
    const again = (await readCheckpoint(file))!;
    const report = await same.run({ input: { configPath, flags: {} }, resume: resumeStateOf(again.checkpoint, { checkpoint: file, sha256: again.sha256 }) });
    expect(ran).toEqual(["fake:load", "fake:last"]);
    expect(report.stages.map((stage) => `${stage.id} ${stage.status}`)).toEqual(["fake:load done", "fake:use resumed", "fake:last done"]);
    await expect(readCheckpoint(file)).resolves.toBeUndefined();
  });
});
