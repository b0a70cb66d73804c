import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@vmforge/test-support";
import type { UiEnvelope } from "@vmforge/kernel";
import { formatError } from "../src/error-output.js";
import { colorPalette, plainPalette } from "../src/render/colors.js";
import { LiveRenderer } from "../src/render/live.js";
import { PlainRenderer } from "../src/render/plain.js";
import { VmforgeError } from "@vmforge/kernel";
import { cliBin, makeProject, tempRoot, writeFakePlugin } from "./project-fixture.js";

/** Clears the screen, retitles the window, overwrites the line, and C1 CSI and a bidi override. */
const EVIL = "\u001b[2J\u001b]0;pwned\u0007\rThe VM is set up.\u009b31m\u202eevil\b";
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { columns: 200, isTTY, write: (chunk: string) => chunks.push(chunk) } as unknown as NodeJS.WriteStream };
}

const message = (fields: Partial<UiEnvelope> & Pick<UiEnvelope, "type">): UiEnvelope => ({ time: 0, ...fields }) as UiEnvelope;

const hostile: UiEnvelope[] = [
  message({ type: "Info", text: EVIL }),
  message({ type: "Warn", text: EVIL, fix: EVIL, code: EVIL }),
  message({ type: "Error", text: EVIL, fix: EVIL, code: EVIL }),
  message({ type: "ProgressStart", id: "p", label: EVIL, total: 2 }),
  message({ type: "ProgressComplete", id: "p", label: EVIL }),
  message({ type: "Result", text: EVIL, path: `/out/${EVIL}` }),
];

describe("terminal escapes in what stages, users and host files say are shown, not obeyed", () => {
  it("the plain renderer prints every field with visible escapes", () => {
    const { chunks, stream } = capture(false);
    const renderer = new PlainRenderer(stream, plainPalette, { quiet: false });
    renderer.stageStarted(`a:${EVIL}`);
    for (const entry of hostile) renderer.render(entry);
    renderer.stageFinished(`a:${EVIL}`, "failed", 1);
    const text = chunks.join("");
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain("\\x1b[2J\\x1b]0;pwned\\x07\\rThe VM is set up.\\x9b31m\\u202eevil\\x08");
  });

  it("the live renderer's only escapes are its own colours and redraws", () => {
    const { chunks, stream } = capture(true);
    const renderer = new LiveRenderer(stream, colorPalette, { quiet: false });
    renderer.stageStarted(`a:${EVIL}`);
    for (const entry of hostile) renderer.render(entry);
    renderer.stageFinished(`a:${EVIL}`, "done", 1);
    renderer.close();
    const ours = chunks.join("").replace(/\r\u001b\[2K/g, "").replace(/\u001b\[\d+m/g, "");
    expect(ours).not.toMatch(RAW_CONTROL);
    expect(ours).toContain("\\x1b]0;pwned");
  });

  it("error output makes every field visible, and a multi-megabyte source line is cut around the column", () => {
    const line = `name = "${"a".repeat(5_000_000)}\u001b[2Jb${"c".repeat(5_000_000)}"`;
    const column = 8 + 5_000_000 + 4 + 1; // name = " (8), the a's, ESC [ 2 J, then b
    const error = new VmforgeError(`E_${EVIL}`, `bad ${EVIL}\n${"x".repeat(2_000_000)}`, {
      why: EVIL,
      fix: EVIL,
      problems: [{ code: "E_CONFIG_INVALID", message: EVIL, file: `/vms/${EVIL}.toml`, line: 2, column, keyPath: EVIL, received: "y".repeat(1_000_000), expected: EVIL, sourceLine: line, fix: EVIL }],
    });
    const text = formatError(error, plainPalette, false);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text.length).toBeLessThan(5_000);
    const lines = text.split("\n");
    const source = lines.find((entry) => entry.includes(" | …"))!;
    const caret = lines[lines.indexOf(source) + 1]!;
    expect(source).toMatch(/\| …a+\\x1b\[2Jbc+…$/);
    // The caret stands under the character at the column, "b", after the shown escape.
    expect(source[caret.indexOf("^")]).toBe("b");
    expect(source.length).toBeLessThan(160);
  });

  describe("through the real CLI", () => {
    const { root, markers } = tempRoot("output-safety");
    let project: string;
    const out = join(root, "out");

    beforeAll(() => {
      const loud = writeFakePlugin(
        root,
        "vmforge-plugin-loud",
        markers,
        [
          {
            id: "loud:say_things",
            body: `
  const evil = ${JSON.stringify(EVIL)};
  ctx.setRunName(evil);
  ctx.ui.info(evil);
  ctx.ui.warn(evil, evil, "W_EVIL");
  await ctx.ui.progress("p", evil, async (update) => update(1, 2), 2);
  await ctx.writeArtifact("evil.txt", evil);
  ctx.ui.result(evil, { evil }, ctx.artifactPath("evil.txt"));`,
          },
        ],
        { tables: ["vm"] },
      );
      project = makeProject(root, { "vmforge-plugin-loud": `file:${loud}` });
      writeFileSync(join(project, "vm.toml"), '[vm]\nname = "x"\n');
    }, 120_000);

    it("plain output shows the escapes; the file keeps the bytes; JSON lines carry the exact text", async () => {
      const plain = await execa("node", [cliBin, "plan", "vm.toml", "--out", out, "--no-color"], { cwd: project, env: { CI: "1" }, reject: false });
      expect(plain.exitCode).toBe(0);
      expect(plain.stdout + plain.stderr).not.toMatch(RAW_CONTROL);
      expect(plain.stdout).toContain("Dry run of \\x1b[2J\\x1b]0;pwned\\x07\\rThe VM is set up.");
      expect(readFileSync(join(out, "evil.txt"), "utf8")).toBe(EVIL);

      const lines = await execa("node", [cliBin, "plan", "vm.toml", "--out", out, "--json-lines"], { cwd: project, reject: false });
      expect(lines.stdout).not.toMatch(RAW_CONTROL);
      const info = lines.stdout
        .split("\n")
        .map((line) => JSON.parse(line) as { type?: string; text?: string })
        .find((line) => line.type === "Info");
      expect(info?.text).toBe(EVIL);
    });

    it("an argument with escapes is echoed visibly in the error", async () => {
      const result = await execa("node", [cliBin, EVIL], { cwd: project, reject: false });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('Unknown command "\\x1b[2J');
      expect(result.stderr).not.toMatch(RAW_CONTROL);
    });
  });
});

describe("long lines of a VM description are cut in errors", () => {
  it.each([
    ["a valid file with a 900 KB name", `[vm]\nname = "${"A".repeat(900_000)}"\n`, "E_CONFIG_INVALID"],
    ["a 900 KB line that does not parse", `[vm]\nname = "${"a".repeat(900_000)}\n`, "E_CONFIG_SYNTAX"],
  ])("%s", async (_label, text, code) => {
    const { root } = tempRoot("long-line");
    const config = join(root, "vm.toml");
    writeFileSync(config, text);
    const result = await execa("node", [cliBin, "plan", config, "--project", repoRoot], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(code);
    expect(result.stderr.length).toBeLessThan(8_000);
    expect(result.stderr).toContain("…");
    const json = await execa("node", [cliBin, "plan", config, "--project", repoRoot, "--json"], { reject: false });
    expect(json.stdout.length).toBeLessThan(12_000);
  });
});

describe("--json-lines on every command", () => {
  const { root, markers } = tempRoot("json-lines");
  let project: string;

  beforeAll(() => {
    const a = writeFakePlugin(root, "vmforge-plugin-a", markers, [{ id: "a:make", writes: ["thing"] }], { tables: ["vm"] });
    const b = writeFakePlugin(root, "vmforge-plugin-b", markers, [{ id: "b:use", reads: ["thing"] }]);
    project = makeProject(root, { "vmforge-plugin-a": `file:${a}`, "vmforge-plugin-b": `file:${b}` });
  }, 120_000);

  const parse = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

  it("stages: one line per stage in order, then one per edge", async () => {
    const result = await execa("node", [cliBin, "stages", "--json-lines"], { cwd: project });
    expect(parse(result.stdout)).toEqual([
      expect.objectContaining({ event: "stage", index: 1, id: "a:make", plugin: "vmforge-plugin-a", writes: ["thing"] }),
      expect.objectContaining({ event: "stage", index: 2, id: "b:use", plugin: "vmforge-plugin-b" }),
      { event: "edge", from: "a:make", to: "b:use", via: { key: "thing" } },
    ]);
  });

  it("plugins: one line per plugin", async () => {
    const result = await execa("node", [cliBin, "plugins", "--json-lines"], { cwd: project });
    expect(parse(result.stdout)).toEqual([
      expect.objectContaining({ event: "plugin", package: "vmforge-plugin-a", version: "1.2.3", configTables: ["vm"], stages: ["a:make"] }),
      expect.objectContaining({ event: "plugin", package: "vmforge-plugin-b", configTables: [], stages: ["b:use"] }),
    ]);
  });

  it("a failing command ends its stream with an error line", async () => {
    const result = await execa("node", [cliBin, "plan", "missing.toml", "--json-lines"], { cwd: project, reject: false });
    expect(result.exitCode).toBe(2);
    expect(parse(result.stdout).at(-1)).toMatchObject({ event: "error", type: "error", ok: false, exitCode: 2, error: { code: "E_CONFIG_NOT_FOUND" } });
  });
});
