import { describe, expect, it } from "vitest";
import type { UiEnvelope } from "@vmforge/kernel";
import { colorPalette, plainPalette } from "../src/render/colors.js";
import { LiveRenderer } from "../src/render/live.js";
import { PlainRenderer } from "../src/render/plain.js";
import { JsonLinesRenderer } from "../src/render/json-lines.js";

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

describe("download progress (bytes)", () => {
  const MiB = 1024 ** 2;

  it("draws a bar with bytes, rate and time left on a terminal, and bytes and rate without a size", () => {
    const { chunks, stream } = fakeTerminal(160);
    const renderer = new LiveRenderer(stream, plainPalette, { quiet: false });
    renderer.stageStarted("qemu_setup:fetch_disk_images");
    renderer.render(message({ type: "ProgressStart", id: "img", label: "debian-12", total: 400 * MiB, unit: "bytes" }));
    renderer.render(message({ type: "ProgressUpdate", id: "img", current: 100 * MiB, total: 400 * MiB, rate: 10 * MiB, etaSeconds: 30 }));
    expect(chunks.at(-1)).toMatch(/debian-12 \[#{5}\.{15}\] 25% 100\.0 MiB of 400\.0 MiB, 10\.0 MiB\/s, 0:30 left$/);
    renderer.render(message({ type: "ProgressStart", id: "raw", label: "guest.qcow2", unit: "bytes" }));
    renderer.render(message({ type: "ProgressUpdate", id: "raw", current: 1536, rate: 512 }));
    expect(chunks.at(-1)).toMatch(/guest\.qcow2 1\.5 KiB, 512 B\/s$/);
    renderer.close();
  });

  it("writes a few plain lines when not a terminal: a quarter of the download each, not one a chunk", () => {
    const { chunks, stream } = fakeTerminal(80);
    const renderer = new PlainRenderer(stream, plainPalette, { quiet: false });
    renderer.render(message({ type: "ProgressStart", id: "img", label: "debian-12", total: 400 * MiB, unit: "bytes" }));
    for (let mib = 10; mib <= 400; mib += 10) renderer.render(message({ type: "ProgressUpdate", id: "img", current: mib * MiB, total: 400 * MiB, rate: 20 * MiB, etaSeconds: (400 - mib) / 20 }));
    renderer.render(message({ type: "ProgressComplete", id: "img", label: "debian-12" }));
    expect(chunks.join("")).toBe(
      [
        "  debian-12...",
        "  debian-12: 100.0 MiB of 400.0 MiB, 20.0 MiB/s, 0:15 left",
        "  debian-12: 200.0 MiB of 400.0 MiB, 20.0 MiB/s, 0:10 left",
        "  debian-12: 300.0 MiB of 400.0 MiB, 20.0 MiB/s, 0:05 left",
        "  debian-12: 400.0 MiB of 400.0 MiB, 20.0 MiB/s, 0:00 left",
        "  debian-12: done",
        "",
      ].join("\n"),
    );
  });

  it("puts unit, bytes, total, rate and ETA in JSON lines", () => {
    const lines: string[] = [];
    const renderer = new JsonLinesRenderer({ write: (chunk: string) => lines.push(chunk) } as unknown as NodeJS.WritableStream);
    renderer.render(message({ type: "ProgressStart", id: "img", label: "debian-12", total: 2048, unit: "bytes", stage: "qemu_setup:fetch_disk_images" }));
    renderer.render(message({ type: "ProgressUpdate", id: "img", current: 1024, total: 2048, rate: 512, etaSeconds: 2 }));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { event: "message", type: "ProgressStart", id: "img", label: "debian-12", total: 2048, unit: "bytes", stage: "qemu_setup:fetch_disk_images", time: 0 },
      { event: "message", type: "ProgressUpdate", id: "img", current: 1024, total: 2048, rate: 512, etaSeconds: 2, time: 0 },
    ]);
  });
});
