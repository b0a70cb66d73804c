import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PrivateFileRefused, readPrivateFile } from "../src/index.js";
import { temporaryDir } from "./helpers.js";

const read = (path: string, allowRoot = false) => readPrivateFile(path, { maxBytes: 64, what: "the journal", allowRoot });

async function refusal(promise: Promise<unknown>): Promise<PrivateFileRefused> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(PrivateFileRefused);
  return error as PrivateFileRefused;
}

describe("readPrivateFile: a state file vmforge wrote for itself, read back only if nobody else could have changed it", () => {
  it("reads the user's own 0600 file, with its stats; nothing there is undefined", async () => {
    const dir = await temporaryDir();
    writeFileSync(join(dir, "state.json"), "{}", { mode: 0o600 });
    const got = await read(join(dir, "state.json"));
    expect(got?.bytes.toString()).toBe("{}");
    expect(got?.stats.isFile()).toBe(true);
    expect(await read(join(dir, "missing.json"))).toBeUndefined();
  });

  it("refuses a symlink (even to a good file), a FIFO and a folder, without opening them", async () => {
    const dir = await temporaryDir();
    writeFileSync(join(dir, "good.json"), "{}", { mode: 0o600 });
    symlinkSync(join(dir, "good.json"), join(dir, "link.json"));
    expect(spawnSync("mkfifo", [join(dir, "fifo.json")]).status).toBe(0);
    expect((await refusal(read(join(dir, "link.json")))).reason).toBe("it is a symbolic link, not a regular file");
    expect((await refusal(read(join(dir, "fifo.json")))).reason).toBe("it is a named pipe (FIFO), not a regular file");
    expect((await refusal(read(dir))).reason).toBe("it is a folder, not a regular file");
  });

  it("refuses a file others may change, and one too large (its own fault)", async () => {
    const dir = await temporaryDir();
    writeFileSync(join(dir, "open.json"), "{}");
    chmodSync(join(dir, "open.json"), 0o664);
    expect(await refusal(read(join(dir, "open.json")))).toMatchObject({ fault: "unsafe", reason: "others may change it (mode 0664)" });
    writeFileSync(join(dir, "big.json"), "x".repeat(65), { mode: 0o600 });
    expect(await refusal(read(join(dir, "big.json")))).toMatchObject({ fault: "too-large" });
  });

  it("refuses another user's file; root's only where allowed", async (context) => {
    if (process.getuid?.() !== 0) context.skip("giving a file to another user (chown) needs root");
    const dir = await temporaryDir();
    writeFileSync(join(dir, "theirs.json"), "{}", { mode: 0o600 });
    chownSync(join(dir, "theirs.json"), 4242, 4242);
    expect((await refusal(read(join(dir, "theirs.json")))).reason).toBe("it belongs to the user with uid 4242, not to you (uid 0)");
    writeFileSync(join(dir, "roots.json"), "{}", { mode: 0o600 });
    expect(await read(join(dir, "roots.json"), true)).toBeDefined();
  });
});
