import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { remoteScript } from "../src/index.js";
import { PROTOCOL_GREETING, remoteCommand } from "../src/remote-script.js";
import { ReplyReader, type Reply } from "../src/reply-reader.js";

const tree = mkdtempSync(join(tmpdir(), "vmforge-remote-script-"));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

/** Runs the script with the real /bin/sh, as ssh would there, and returns its replies. */
async function ask(requests: Array<string | Buffer>, limit = 1024): Promise<Reply[]> {
  const child = spawn("/bin/sh", ["-c", remoteScript(limit)], { stdio: ["pipe", "pipe", "inherit"] });
  const replies: Reply[] = [];
  const reader = new ReplyReader(PROTOCOL_GREETING, limit + 1, (reply) => replies.push(reply));
  child.stdout.on("data", (chunk: Buffer) => reader.push(chunk));
  // A Buffer is sent as it is (a file's bytes); a string is a line.
  child.stdin.end(Buffer.concat(requests.map((request) => (typeof request === "string" ? Buffer.from(`${request}\n`) : request))));
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

describe("the remote script's writes and program runs (real /bin/sh)", () => {
  const place = join(tree, "writes");
  mkdirSync(place);
  const bytes = Buffer.from([0, 10, 13, 92, 39, 255, 10]);

  it("writes a file byte for byte with its mode, renames over an old one, and links without replacing when exclusive", async () => {
    const file = join(place, "a.bin");
    const replies = await ask([`W ${file}`, `600 0 ${bytes.length}`, bytes, `W ${file}`, "644 0 3", Buffer.from("new"), `W ${file}`, "644 1 3", Buffer.from("old"), `W ${join(place, "b")}`, "755 1 0"]);
    expect(replies).toEqual([{ kind: "ok" }, { kind: "ok" }, { kind: "error", why: "EEXIST" }, { kind: "ok" }]);
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(statSync(join(place, "b")).mode & 0o777).toBe(0o755);
    // No temporary file is left beside them, whatever the outcome.
    expect(readdirSync(place).sort()).toEqual(["a.bin", "b"]);
  });

  it("never writes through a symlink or into a folder at the path, and keeps reading the requests after a failed write", async () => {
    const secret = join(tree, "secret");
    writeFileSync(secret, "keep");
    symlinkSync(secret, join(place, "link"));
    mkdirSync(join(place, "folder"));
    const replies = await ask([`W ${join(place, "link")}`, "644 1 4", Buffer.from("evil"), `W ${join(place, "folder")}`, "644 0 4", Buffer.from("evil"), `W ${join(place, "missing-folder", "x")}`, "644 0 4", Buffer.from("evil"), `S ${secret}`]);
    expect(replies[0]).toEqual({ kind: "error", why: "EEXIST" });
    expect(replies[1]).toEqual({ kind: "error", why: "it is a folder" });
    expect(replies[2]).toMatchObject({ kind: "error" });
    // The bytes of the failed writes were read and dropped: the next request is answered.
    expect(replies[3]).toEqual({ kind: "file" });
    expect(readFileSync(secret, "utf8")).toBe("keep");
    const renamed = await ask([`W ${join(place, "link")}`, "644 0 3", Buffer.from("new")]);
    expect(renamed).toEqual([{ kind: "ok" }]);
    // Renamed over the link itself, not written through it.
    expect(readFileSync(secret, "utf8")).toBe("keep");
    expect(readFileSync(join(place, "link"), "utf8")).toBe("new");
  });

  it("makes folders, and runs a program with its arguments as given (no shell reads them), with no input", async () => {
    const folder = join(place, "made", "deep");
    const tricky = ["$(touch pwned)", "a b", "'quoted'", "back\\slash", "*", ""];
    const printf = ["printf", "[%s]".repeat(tricky.length), ...tricky];
    const replies = await ask([`M ${folder}`, `X ${printf.length}`, ...printf, "X 1", "cat", "X 3", "sh", "-c", "echo oops >&2; exit 3", "X 1", "no-such-program-vmforge"], 4096);
    expect(replies[0]).toEqual({ kind: "ok" });
    expect(statSync(folder).isDirectory()).toBe(true);
    expect(replies.slice(1, 4)).toEqual([{ kind: "exit", code: 0 }, { kind: "content", bytes: Buffer.from(tricky.map((word) => `[${word}]`).join("")) }, { kind: "content", bytes: Buffer.alloc(0) }]);
    expect(readdirSync(place)).not.toContain("pwned");
    // cat reads /dev/null, not the requests that follow.
    expect(replies.slice(4, 7)).toEqual([{ kind: "exit", code: 0 }, { kind: "content", bytes: Buffer.alloc(0) }, { kind: "content", bytes: Buffer.alloc(0) }]);
    expect(replies.slice(7, 10)).toEqual([{ kind: "exit", code: 3 }, { kind: "content", bytes: Buffer.alloc(0) }, { kind: "content", bytes: Buffer.from("oops\n") }]);
    expect(replies[10]).toEqual({ kind: "exit", code: 127 });
    expect(replies).toHaveLength(13);
  });

  it("refuses a folder it cannot make, with the reason in one line", async () => {
    const [reply] = await ask([`M /proc/vmforge-cannot-make-this`]);
    expect(reply).toMatchObject({ kind: "error" });
    expect((reply as { why: string }).why).not.toBe("");
  });
});
