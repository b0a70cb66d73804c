import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { judgeConsole, lastLine, tailLines, type ConsoleVerdict } from "./console-readiness.js";

/** How the wait ended. */
export type WaitOutcome =
  | { state: "ready"; how: "console" | "guest-agent"; line: string; seconds: number }
  | { state: "failed"; reason: string; line: string; tail: string[]; seconds: number }
  | { state: "exited"; reason: string; tail: string[]; seconds: number }
  | { state: "timeout"; tail: string[]; seconds: number };

export interface WaitOptions {
  /** The serial log (runDir/serial.log). */
  logPath: string;
  timeoutMs: number;
  /** Undefined while the VM runs; why it is gone otherwise (QEMU exited, the domain shut off). */
  gone(): Promise<string | undefined>;
  /** Asked now and then when the VM has a guest agent: true once it answers. */
  agentAnswers?: () => Promise<boolean>;
  /** Called about once a second. */
  onProgress?(seconds: number, lastLine: string | undefined): void;
  /** Between polls; tests pass one that does not wait. */
  sleep?(ms: number): Promise<void>;
  now?(): number;
}

/** Keeps at most this much of the log in memory: the lines of interest are the latest ones. */
const KEEP = 256 * 1024;
const POLL_MS = 250;

/**
 * Follows the serial log until the guest is ready (cloud-init's final message, or the guest
 * agent answering), a failure line appears, the VM is gone, or the time is up.
 */
export async function waitUntilReady(options: WaitOptions): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  const seconds = (): number => Math.round((now() - started) / 1000);
  const log = new LogFollower(options.logPath);
  let lastProgress = -1;
  let lastAgentTry = -Infinity;
  for (let round = 0; ; round++) {
    const text = await log.read();
    const verdict: ConsoleVerdict = judgeConsole(log.unjudged());
    if (verdict.state === "ready") return { state: "ready", how: "console", line: verdict.line, seconds: seconds() };
    if (verdict.state === "failed") return { state: "failed", reason: verdict.reason, line: verdict.line, tail: tailLines(text, 20), seconds: seconds() };
    if (options.agentAnswers && now() - lastAgentTry >= 5_000) {
      lastAgentTry = now();
      if (await options.agentAnswers()) return { state: "ready", how: "guest-agent", line: "the guest agent answered guest-ping", seconds: seconds() };
    }
    if (round % 4 === 0) {
      const gone = await options.gone();
      if (gone !== undefined) {
        // The last words of a guest that died are the reason more often than not.
        const final = await log.read();
        const last = judgeConsole(log.unjudged());
        if (last.state === "failed") return { state: "failed", reason: last.reason, line: last.line, tail: tailLines(final, 20), seconds: seconds() };
        return { state: "exited", reason: gone, tail: tailLines(final, 20), seconds: seconds() };
      }
    }
    if (now() - started >= options.timeoutMs) return { state: "timeout", tail: tailLines(text, 20), seconds: seconds() };
    if (options.onProgress && seconds() !== lastProgress) {
      lastProgress = seconds();
      options.onProgress(lastProgress, lastLine(text));
    }
    await sleep(POLL_MS);
  }
}

/** Reads what was appended to a file since the last read; starts over when the file was truncated. */
class LogFollower {
  #offset = 0;
  #text = "";
  #judgedUpTo = 0;
  #decoder = new StringDecoder("utf8");

  constructor(readonly path: string) {}

  /** The text kept so far (the latest KEEP characters). */
  async read(): Promise<string> {
    let handle;
    try {
      // Non-blocking and not through a symlink: a FIFO swapped in for the log must not hang the wait.
      handle = await open(this.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch {
      return this.#text;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return this.#text;
      const { size } = stats;
      if (size < this.#offset) {
        this.#offset = 0;
        this.#text = "";
        this.#judgedUpTo = 0;
        this.#decoder = new StringDecoder("utf8");
      }
      const chunk = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        this.#text += this.#decoder.write(chunk.subarray(0, bytesRead));
      }
      if (this.#text.length > KEEP) {
        const drop = this.#text.length - KEEP;
        this.#text = this.#text.slice(drop);
        this.#judgedUpTo = Math.max(0, this.#judgedUpTo - drop);
      }
    } finally {
      await handle.close();
    }
    return this.#text;
  }

  /** The complete lines not judged yet (a line still being written waits for its newline). */
  unjudged(): string {
    const end = this.#text.lastIndexOf("\n") + 1;
    if (end <= this.#judgedUpTo) return "";
    const lines = this.#text.slice(this.#judgedUpTo, end);
    this.#judgedUpTo = end;
    return lines;
  }
}
