import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Checkpoint } from "../../src/checkpoint.js";
import { signalWhen } from "./kill-at.js";
import type { Lab } from "./lab.js";

/** `apply` (or `plan`) of `file`, killed (SIGKILL) right after `stage` ended: leaves a checkpoint and a dead owner's lock. */
export async function killedRun(lab: Lab, file: string, stage: string, command: "apply" | "plan" = "apply", extra: string[] = []): Promise<void> {
  const { result, sent } = await signalWhen(lab.vmforge([command, file, "--json-lines", ...extra]), (event) => event.event === "stage-end" && event.stage === stage, "SIGKILL");
  expect(sent && result.signal === "SIGKILL", result.stderr).toBe(true);
}

/** The checkpoint of a real run (or of the dry run that wrote to `planOut`). */
export function checkpointOf(lab: Lab, vm: string, planOut?: string): Checkpoint {
  return JSON.parse(readFileSync(join(lab.recoveryDir(planOut), `${vm}.json`), "utf8")) as Checkpoint;
}
