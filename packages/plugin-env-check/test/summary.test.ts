import { afterAll, describe, expect, it } from "vitest";
import { Kernel } from "@vmforge/kernel";
import { fixtureHostsDir, snapshotFromCapture } from "@vmforge/test-support";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { plugin } from "../src/index.js";

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function resultText(configPath: string | undefined): Promise<{ text: string; data: unknown }> {
  const hostRoot = await mkdtemp(join(tmpdir(), "vmforge-summary-"));
  folders.push(hostRoot);
  await snapshotFromCapture(join(fixtureHostsDir, "intel-haswell-z97-two-r9-280x-shared-group"), hostRoot);
  const kernel = new Kernel({ dryRun: true, hostRoot });
  await kernel.use(plugin);
  await kernel.run({ selection: { targetKeys: ["host_report"] }, input: { flags: {}, ...(configPath ? { configPath } : {}) } });
  const result = kernel.ui.history().find((message) => message.type === "Result");
  if (result?.type !== "Result") throw new Error("no Result message");
  return { text: result.text, data: result.data };
}

describe("what the host check says in a VM run and in vmforge check", () => {
  it("gives a VM run the short form: host line, what is short of PASS with its fix, one line a GPU", async () => {
    const full = await resultText(undefined);
    const short = await resultText("/vms/any.toml");
    expect(short.data).toEqual(full.data);
    const lines = short.text.split("\n");
    expect(lines[0]).toMatch(/^Host: .*; \d+ of \d+ checks pass/);
    expect(short.text).not.toMatch(/^PASS /m);
    expect(full.text).toMatch(/^PASS /m);
    expect(lines.filter((line) => line.startsWith("GPU "))).toEqual([
      expect.stringMatching(/^GPU 0000:01:00\.0 .*: host-gpu$/),
      expect.stringMatching(/^GPU 0000:02:00\.0 .*: blocked$/),
    ]);
    for (const [index, line] of lines.entries()) if (/^(WARN|FAIL) /.test(line) && !line.includes("fix:")) expect(lines[index + 1]).toMatch(/^ {2}fix: /);
  });
});
