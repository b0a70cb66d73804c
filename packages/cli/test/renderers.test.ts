import { describe, expect, it } from "vitest";
import type { UiEnvelope } from "@vmforge/kernel";
import { colorPalette, plainPalette } from "../src/render/colors.js";
import { LiveRenderer } from "../src/render/live.js";
import { PlainRenderer } from "../src/render/plain.js";

function fakeTerminal(columns: number) {
  const chunks: string[] = [];
  return { chunks, stream: { columns, isTTY: true, write: (chunk: string) => chunks.push(chunk) } as unknown as NodeJS.WriteStream };
}

const message = (fields: Partial<UiEnvelope> & Pick<UiEnvelope, "type">): UiEnvelope => ({ time: 0, ...fields }) as UiEnvelope;

describe("the live terminal renderer", () => {
  it("redraws one status line with the running stage and its progress bar", () => {
    const { chunks, stream } = fakeTerminal(120);
    const renderer = new LiveRenderer(stream, plainPalette, { quiet: false });
    renderer.stageStarted("linux_setup:assemble_cloud_init_iso");
    renderer.render(message({ type: "ProgressStart", id: "iso", label: "seed ISO", total: 4 }));
    renderer.render(message({ type: "ProgressUpdate", id: "iso", current: 2 }));
    expect(chunks.at(-1)).toMatch(/^\r\u001b\[2K. linux_setup:assemble_cloud_init_iso \d+\.\ds {2}seed ISO \[#{10}\.{10}\] 50%$/);
    renderer.render(message({ type: "Info", text: "wrote seed.iso" }));
    expect(chunks.join("")).toContain("\r\u001b[2K  wrote seed.iso\n");
    renderer.stageFinished("linux_setup:assemble_cloud_init_iso", "done", 12);
    expect(chunks.join("")).toContain("✓ linux_setup:assemble_cloud_init_iso 12 ms\n");
    renderer.close();
  });

  it("never cuts a coloured status line inside an escape sequence on a narrow terminal", () => {
    const { chunks, stream } = fakeTerminal(20);
    const renderer = new LiveRenderer(stream, colorPalette, { quiet: false });
    renderer.stageStarted("qemu_setup:load_vm_config_toml");
    const status = chunks.at(-1)!.replace("\r\u001b[2K", "");
    expect(status.length).toBeLessThanOrEqual(19);
    expect(status).not.toContain("\u001b");
    renderer.close();
  });

  it("shows only warnings, errors and results when quiet", () => {
    const { chunks, stream } = fakeTerminal(80);
    const renderer = new PlainRenderer(stream, plainPalette, { quiet: true });
    renderer.stageStarted("a:b");
    renderer.render(message({ type: "Info", text: "chatty" }));
    renderer.render(message({ type: "Warn", text: "careful", fix: "do this" }));
    renderer.render(message({ type: "Result", text: "done", path: "/out/x" }));
    expect(chunks.join("")).toBe("warning: careful\n  fix: do this\ndone\n  /out/x\n");
  });
});
