import { describe, expect, it } from "vitest";
import { ProtocolError, ReplyReader, type Reply } from "../src/reply-reader.js";

const GREETING = "vmforge-ssh-host 3";

function read(chunks: Array<string | Buffer>, maxBody = 1024): Reply[] {
  const replies: Reply[] = [];
  const reader = new ReplyReader(GREETING, maxBody, (reply) => replies.push(reply));
  for (const chunk of chunks) reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return replies;
}

describe("ReplyReader", () => {
  it("skips what a login prints before the greeting, then frames each reply", () => {
    const replies = read(["Welcome to gpu-box\n", `${GREETING}\nF\nN\nL ../../../d`, "evices\nC 3\nab\nD\nd a\nl b c\nf .hidden\n.\nU\nO\n"]);
    expect(replies).toEqual([
      { kind: "file" },
      { kind: "none" },
      { kind: "link", target: "../../../devices" },
      { kind: "content", bytes: Buffer.from("ab\n") },
      { kind: "dir", entries: [{ kind: "dir", name: "a" }, { kind: "link", name: "b c" }, { kind: "file", name: ".hidden" }] },
      { kind: "unreadable" },
      { kind: "other" },
    ]);
  });

  it("keeps binary content byte for byte, split anywhere", () => {
    const bytes = Buffer.from([0, 10, 255, 13, 10, 67]);
    const whole = Buffer.concat([Buffer.from(`${GREETING}\nC ${bytes.length}\n`), bytes, Buffer.from("N\n")]);
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(read([whole.subarray(0, cut), whole.subarray(cut)])).toEqual([{ kind: "content", bytes }, { kind: "none" }]);
    }
  });

  it("refuses an unknown reply, a long header line and a body over the limit", () => {
    expect(() => read([`${GREETING}\nX\n`])).toThrow(ProtocolError);
    expect(() => read([`${GREETING}\nD\nx name\n`])).toThrow(/unexpected folder entry/);
    expect(() => read([`${GREETING}\n${"F".repeat(5000)}`])).toThrow(/over 4200 bytes/);
    expect(() => read([`${GREETING}\nC 2048\n`], 1024)).toThrow(/2048 bytes, more than the 1024/);
  });
});
