import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWhen, tool } from "@vmforge/test-support";
import { artifactsOf, ensureBuilt, makeLab, type Lab } from "./support/lab.js";
import { signalWhen, stageEvents } from "./support/kill-at.js";

const VM = "lab";
/** Seconds the wrapper's `qemu-img create` sleeps in the long-stage trials. */
const SLOW_CREATE = 1;
/** Two lanes: 2 random points a run of the suite, new ones each time (VMFORGE_FAULT_SEED repeats a run's points). */
const RANDOM_TRIALS_PER_LANE = Number(process.env.VMFORGE_FAULT_TRIALS ?? 1);

/** A small seeded generator, so a failing random trial can be run again (the seed is in the message). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Lane {
  lab: Lab;
  reference: Map<string, Buffer>;
}

/**
 * After a run was killed: the resumed run (or, when the kill came after the run's end, the run
 * itself) leaves exactly the reference artifacts, byte for byte, and nothing else: no temporary
 * or half-made file, no checkpoint, no lock.
 */
async function resumeAndCompare(lane: Lane, what: string): Promise<"resumed" | "finished"> {
  const { lab } = lane;
  const checkpointLeft = existsSync(join(lab.recoveryDir(), `${VM}.json`));
  let outcome: "resumed" | "finished" = "finished";
  if (checkpointLeft) {
    const resumed = await lab.vmforge(["resume", VM, "--json-lines"]);
    expect(resumed.exitCode, `${what}: resume failed\n${resumed.stderr}`).toBe(0);
    outcome = "resumed";
  }
  const after = artifactsOf(lab.runDir(VM));
  expect([...after.keys()].sort(), what).toEqual([...lane.reference.keys()].sort());
  for (const [name, bytes] of lane.reference) expect(after.get(name)?.equals(bytes), `${what}: ${name} differs from the uninterrupted run's`).toBe(true);
  expect(readdirSync(lab.recoveryDir()), `${what}: checkpoint or lock left`).toEqual([]);
  return outcome;
}

describeWhen(tool("qemu-img", "qemu-utils"))("a run killed (SIGKILL) at any point, then resumed", () => {
  const lanes: Lane[] = [];
  let boundaries: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    for (const label of ["a", "b"]) {
      const lab = makeLab(`fault-${label}`);
      lab.writeToml("lab.toml", VM);
      const uninterrupted = await lab.vmforge(["apply", "lab.toml", "--json-lines"]);
      expect(uninterrupted.exitCode, uninterrupted.stderr).toBe(0);
      boundaries = stageEvents(uninterrupted.stdout)
        .filter((event) => event.event === "stage-end")
        .map((event) => event.stage);
      lanes.push({ lab, reference: artifactsOf(lab.runDir(VM)) });
      lab.reset();
    }
  });
  afterAll(() => lanes.forEach((lane) => lane.lab.remove()));

  it("after each stage boundary in turn: the resumed run's artifacts are byte-identical to an uninterrupted run's", async () => {
    expect(boundaries.length).toBeGreaterThan(15);
    const outcomes: string[] = [];
    // Two lanes (two data folders) take the boundaries in turn, side by side.
    await Promise.all(
      lanes.map(async (lane, laneIndex) => {
        for (let k = laneIndex; k < boundaries.length; k += lanes.length) {
          lane.lab.reset();
          let ends = 0;
          const { result } = await signalWhen(lane.lab.vmforge(["apply", "lab.toml", "--json-lines"]), (event) => event.event === "stage-end" && ends++ === k, "SIGKILL");
          const what = `killed after boundary ${k} (${boundaries[k]})`;
          expect(result.signal === "SIGKILL" || result.exitCode === 0, `${what}: ${result.stderr}`).toBe(true);
          outcomes[k] = `${boundaries[k]}: ${await resumeAndCompare(lane, what)}`;
        }
      }),
    );
    // Every boundary but perhaps the last one left a run to resume.
    expect(outcomes.slice(0, -1).every((outcome) => outcome.endsWith("resumed")), outcomes.join("\n")).toBe(true);
  }, 180_000);

  it(`at random points inside the disk stage, while a slow qemu-img (${SLOW_CREATE} s) is writing: same artifacts, no half-made image, no stray program`, async () => {
    const seed = Number(process.env.VMFORGE_FAULT_SEED ?? Date.now() % 100000);
    const next = random(seed);
    await Promise.all(
      lanes.map(async (lane, laneIndex) => {
        for (let trial = 0; trial < RANDOM_TRIALS_PER_LANE; trial += 1) {
          lane.lab.reset();
          // Inside the stage: qemu-img sleeps SLOW_CREATE s, and a kill after it may find the run already done.
          const delayMs = Math.round(next() * (SLOW_CREATE * 1000 - 150));
          const what = `seed ${seed}, lane ${laneIndex}, trial ${trial}: killed ${delayMs} ms into qemu_setup:create_disk_images`;
          const { result } = await signalWhen(
            lane.lab.vmforge(["apply", "lab.toml", "--json-lines"], { env: { LAB_QEMU_IMG_DELAY: String(SLOW_CREATE) } }),
            (event) => event.event === "stage-start" && event.stage === "qemu_setup:create_disk_images",
            "SIGKILL",
            delayMs,
          );
          expect(result.signal, `${what}: ${result.stderr}`).toBe("SIGKILL");
          expect(await resumeAndCompare(lane, what)).toBe("resumed");
          // The killed run's qemu-img wrapper would wake up now and write its target: it must have been stopped.
          await new Promise((resolve) => setTimeout(resolve, SLOW_CREATE * 1000 + 200));
          await resumeAndCompare(lane, `${what}, a moment later`);
        }
      }),
    );
  }, 120_000);
});
