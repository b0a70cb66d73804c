import { describe, expect, it } from "vitest";
import { ProgressLine } from "../src/progress-line.js";

function stream(tty: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY: tty, columns: 80, write: (chunk: string) => written.push(chunk) } as unknown as NodeJS.WritableStream };
}

describe("the --wait progress", () => {
  it("on a terminal: one line rewritten in place, clipped to the width, control characters of the guest removed, cleared at the end", () => {
    const { written, stream: out } = stream(true);
    const line = new ProgressLine(out, "web-1");
    line.update(3, undefined);
    line.update(4, "\x1b[2J[  1.0] systemd[1]: Started a service with a very long name that goes on and on");
    line.end();
    expect(written[0]).toBe("\r\x1b[Kwaiting for web-1: 3 s | (nothing on the serial console yet)");
    expect(written[1]!.startsWith("\r\x1b[Kwaiting for web-1: 4 s | [2J[  1.0] systemd")).toBe(true);
    expect(written[1]!.length - "\r\x1b[K".length).toBe(79);
    expect(written[1]!.endsWith("…")).toBe(true);
    expect(written[2]).toBe("\r\x1b[K");
  });

  it("elsewhere: a plain line every 15 s, nothing to clear", () => {
    const { written, stream: out } = stream(false);
    const line = new ProgressLine(out, "web-1");
    for (let seconds = 0; seconds <= 31; seconds++) line.update(seconds, `line ${seconds}`);
    line.end();
    expect(written).toEqual(["waiting for web-1: 0 s; console: line 0\n", "waiting for web-1: 15 s; console: line 15\n", "waiting for web-1: 30 s; console: line 30\n"]);
  });
});
