import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWhen, tool } from "@vmforge/test-support";
import { ensureBuilt, makeLab, type Lab } from "./support/lab.js";

const VM = "race";
const GiB = 1024 ** 3;
const TRIALS = 20;

/** What each artifact says the disk is, and what qemu-img finds the image to be. */
function diskSizes(lab: Lab): Record<string, number> {
  const runDir = lab.runDir(VM);
  const definition = JSON.parse(readFileSync(join(runDir, "vm-definition.json"), "utf8")) as { disks: Array<{ sizeBytes: number }> };
  const command = JSON.parse(readFileSync(join(runDir, "qemu-command.json"), "utf8")) as { createImages: Array<{ argv: string[] }> };
  const domain = readFileSync(join(runDir, "domain.xml"), "utf8");
  const image = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", join(runDir, "disk0.qcow2")], { encoding: "utf8" })) as { "virtual-size": number };
  return {
    "vm-definition.json": definition.disks[0]!.sizeBytes,
    "qemu-command.json": Number(command.createImages[0]!.argv.at(-1)),
    // The libvirt definition names the image; its size is the image's. The TOML the run read is in plan.json's inputs.
    "domain.xml names disk0.qcow2": domain.includes(join(runDir, "disk0.qcow2")) ? image["virtual-size"] : -1,
    "disk0.qcow2 (qemu-img info)": image["virtual-size"],
  };
}

describeWhen(tool("qemu-img", "qemu-utils"))("two applies of one VM started together", () => {
  const lanes: Lab[] = [];

  beforeAll(() => {
    ensureBuilt();
    for (const label of ["a", "b"]) {
      const lab = makeLab(`race-${label}`);
      // Same VM name, different requests: which one ran must show in every artifact.
      lab.writeToml("one.toml", VM, "1GiB", true);
      lab.writeToml("three.toml", VM, "3GiB", true);
      lanes.push(lab);
    }
  });
  afterAll(() => lanes.forEach((lab) => lab.remove()));

  it(`${TRIALS} times: one runs, the other stops at once naming the lock's owner (exit 75), and the artifacts come from one request`, async () => {
    const winners: string[] = [];
    await Promise.all(
      lanes.map(async (lab, laneIndex) => {
        for (let trial = laneIndex; trial < TRIALS; trial += lanes.length) {
          lab.reset();
          // The disk stage takes 0.3 s, so a run holds the lock long enough that a loaded machine's
          // late start of the other process still meets it (else both would run, one after the other).
          const slowDisk = { env: { LAB_QEMU_IMG_DELAY: "0.3" } };
          const one = lab.vmforge(["apply", "one.toml", "--json"], slowDisk);
          const three = lab.vmforge(["apply", "three.toml", "--json"], slowDisk);
          const results = await Promise.all([one, three]);
          const what = `trial ${trial}: exit codes ${results.map((result) => result.exitCode).join(", ")}\n${results.map((result) => result.stdout.slice(0, 600)).join("\n")}`;
          expect(results.map((result) => result.exitCode).sort(), what).toEqual([0, 75]);
          const winnerIndex = results.findIndex((result) => result.exitCode === 0);
          const loser = JSON.parse(results[1 - winnerIndex]!.stdout) as { ok: boolean; error: { code: string; message: string; fix: string; exitCode: number } };
          expect(loser.error.code, what).toBe("E_RUN_BUSY");
          expect(loser.error.exitCode).toBe(75);
          expect(loser.error.message, what).toContain(`pid ${[one, three][winnerIndex]!.pid}`);
          expect(loser.error.message).toContain(winnerIndex === 0 ? "one.toml" : "three.toml");
          expect(loser.error.fix).toContain("--wait");
          const size = winnerIndex === 0 ? GiB : 3 * GiB;
          expect(Object.values(diskSizes(lab)), `${what}\n${JSON.stringify(diskSizes(lab))}`).toEqual([size, size, size, size]);
          expect(readdirSync(lab.recoveryDir())).toEqual([]);
          winners.push(winnerIndex === 0 ? "1 GiB" : "3 GiB");
        }
      }),
    );
    expect(winners).toHaveLength(TRIALS);
  }, 120_000);

  it("with --wait the second run waits for the first to end, then runs (and never overwrites the image the first made)", async () => {
    const lab = lanes[0]!;
    lab.reset();
    const first = lab.vmforge(["apply", "three.toml", "--json"], { env: { LAB_QEMU_IMG_DELAY: "1" } });
    // The first run holds the lock from its first stage until its end, well past its 1 s disk stage.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = await lab.vmforge(["apply", "one.toml", "--wait", "--json-lines"]);
    const firstResult = await first;
    expect(firstResult.exitCode, firstResult.stdout).toBe(0);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`"Waiting for pid ${first.pid} `));
    expect(second.stdout).toContain("exists and passed the check; used as is");
    expect(diskSizes(lab)["disk0.qcow2 (qemu-img info)"]).toBe(3 * GiB);
  }, 60_000);
});
