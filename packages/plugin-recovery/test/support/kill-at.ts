import type { ResultPromise } from "execa";

export interface StageEvent {
  event: "stage-start" | "stage-end";
  stage: string;
  status?: string;
}

/** The stage boundaries a `--json-lines` run printed, in order. */
export function stageEvents(stdout: string): StageEvent[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith('{"event":"stage-'))
    .map((line) => JSON.parse(line) as StageEvent);
}

/**
 * Sends `signal` to a `--json-lines` run as soon as `when` holds for a stage event it printed
 * (after `delayMs`); returns the run's result, and whether the signal was sent before it ended.
 */
export async function signalWhen(
  run: ResultPromise<{ reject: false; all: false }>,
  when: (event: StageEvent, index: number) => boolean,
  signal: NodeJS.Signals,
  delayMs = 0,
): Promise<{ result: Awaited<typeof run>; sent: boolean }> {
  let sent = false;
  let buffered = "";
  let index = 0;
  let armed = false;
  run.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (armed || !line.startsWith('{"event":"stage-')) continue;
      const event = JSON.parse(line) as StageEvent;
      if (!when(event, index++)) continue;
      armed = true;
      setTimeout(() => {
        sent = run.kill(signal);
      }, delayMs);
    }
  });
  const result = await run;
  return { result, sent };
}
