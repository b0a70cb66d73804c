import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { remoteScript } from "../src/index.js";
import { remoteCommand } from "../src/remote-script.js";
import { ReplyReader, type Reply } from "../src/reply-reader.js";

const tree = mkdtempSync(join(tmpdir(), "vmforge-remote-script-"));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

/** Runs the script with the real /bin/sh, as ssh would there, and returns its replies. */
async function ask(requests: string[], limit = 1024): Promise<Reply[]> {
  const child = spawn("/bin/sh", ["-c", remoteScript(limit)], { stdio: ["pipe", "pipe", "inherit"] });
  const replies: Reply[] = [];
  const reader = new ReplyReader("vmforge-ssh-host 2", limit + 1, (reply) => replies.push(reply));
  child.stdout.on("data", (chunk: Buffer) => reader.push(chunk));
  child.stdin.end(requests.map((request) => `${request}\n`).join(""));
  await new Promise((resolve) => child.on("close", resolve));
  return replies;
}

describe("the remote script (real /bin/sh)", () => {
  mkdirSync(join(tree, "sys/devices/pci0000:00/0000:00:02.0"), { recursive: true });
  writeFileSync(join(tree, "sys/devices/pci0000:00/0000:00:02.0/vendor"), "0x8086\n");
  writeFileSync(join(tree, "binary"), Buffer.from([0, 1, 2, 10, 255]));
  writeFileSync(join(tree, "big"), "x".repeat(5000));
  writeFileSync(join(tree, "name with spaces"), "ok");
  symlinkSync("../../devices/pci0000:00/0000:00:02.0", join(tree, "link"));
  spawnSync("mkfifo", [join(tree, "fifo")]);
  for (const name of [".hidden", "..dots", "back\\slash -n"]) writeFileSync(join(tree, name), "");

  it("answers what each path is, without following a last symlink; a listing says each entry's kind", async () => {
    expect(await ask([`S ${tree}/sys/devices/pci0000:00`, `S ${tree}/link`, `S ${tree}/binary`, `S ${tree}/missing`, `S ${tree}/name with spaces`, `S ${tree}`])).toEqual([
      { kind: "dir", entries: [{ kind: "dir", name: "0000:00:02.0" }] },
      { kind: "link", target: "../../devices/pci0000:00/0000:00:02.0" },
      { kind: "file" },
      { kind: "none" },
      { kind: "file" },
      {
        kind: "dir",
        entries: expect.arrayContaining([
          { kind: "file", name: "binary" },
          { kind: "other", name: "fifo" },
          { kind: "link", name: "link" },
          { kind: "file", name: "name with spaces" },
          { kind: "dir", name: "sys" },
          { kind: "file", name: ".hidden" },
          { kind: "file", name: "..dots" },
          { kind: "file", name: "back\\slash -n" },
        ]),
      },
    ]);
  });

  it("sends file contents byte for byte, at most the limit plus one byte", async () => {
    const [binary, big, attribute, missing] = await ask([`C ${tree}/binary`, `C ${tree}/big`, `C ${tree}/sys/devices/pci0000:00/0000:00:02.0/vendor`, `C ${tree}/missing`], 1024);
    expect(binary).toEqual({ kind: "content", bytes: Buffer.from([0, 1, 2, 10, 255]) });
    expect(big).toEqual({ kind: "content", bytes: Buffer.from("x".repeat(1025)) });
    expect(attribute).toEqual({ kind: "content", bytes: Buffer.from("0x8086\n") });
    expect(missing).toEqual({ kind: "unreadable" });
  });

  it("never opens a FIFO for its content, and answers nonsense requests with U", async () => {
    expect(await ask([`C ${tree}/fifo`, "Z whatever", `S ${tree}/fifo`])).toEqual([{ kind: "unreadable" }, { kind: "unreadable" }, { kind: "other" }]);
  });

  it("goes through any login shell: no single quote and no backslash in the command", () => {
    const command = remoteCommand(1024);
    expect(command.startsWith("exec /bin/sh -c '")).toBe(true);
    expect(command.slice("exec /bin/sh -c '".length, -1)).not.toMatch(/['\\]/);
  });
});
