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
  const reader = new ReplyReader("vmforge-ssh-host 1", limit + 1, (reply) => replies.push(reply));
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

  it("answers what each path is, without following a last symlink", async () => {
    expect(await ask([`S ${tree}/sys/devices/pci0000:00`, `S ${tree}/link`, `S ${tree}/binary`, `S ${tree}/missing`, `S ${tree}/name with spaces`])).toEqual([
      { kind: "dir", names: Buffer.from("0000:00:02.0\n") },
      { kind: "link", target: Buffer.from("../../devices/pci0000:00/0000:00:02.0\n") },
      { kind: "file" },
      { kind: "none" },
      { kind: "file" },
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
