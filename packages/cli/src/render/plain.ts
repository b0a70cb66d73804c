import type { StageStatus, UiEnvelope } from "@vmforge/kernel";
import type { Palette } from "./colors.js";
import { byteProgressStep, byteProgressText } from "./byte-progress.js";
import { isQuietable, type Renderer, type RenderOptions } from "./renderer.js";
import { visible, visibleLine } from "./visible.js";

/** One line per event, for logs and pipes: no cursor movement. */
export class PlainRenderer implements Renderer {
  /** Downloads under way: the last step a line was written for. */
  readonly #downloads = new Map<string, { label: string; step: number }>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly palette: Palette,
    private readonly options: RenderOptions,
  ) {}

  render(message: UiEnvelope): void {
    if (this.options.quiet && isQuietable(message)) return;
    if (message.type === "ProgressStart" && message.unit === "bytes") this.#downloads.set(message.id, { label: message.label, step: 0 });
    if (message.type === "ProgressComplete") this.#downloads.delete(message.id);
    if (message.type === "ProgressUpdate") {
      // A log gets a line a quarter of a download (every 256 MiB without a size), not one a chunk.
      const download = this.#downloads.get(message.id);
      if (!download) return;
      const step = byteProgressStep(message.current, message.total);
      if (step <= download.step) return;
      download.step = step;
      this.out.write(`  ${visibleLine(download.label)}: ${byteProgressText(message)}\n`);
      return;
    }
    const line = formatMessage(message, this.palette);
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  stageStarted(id: string): void {
    if (!this.options.quiet) this.out.write(`${this.palette.dim(`> ${visibleLine(id)}`)}\n`);
  }

  stageFinished(id: string, status: StageStatus, durationMs: number): void {
    if (this.options.quiet || status === "done") return;
    this.out.write(`${this.palette.dim(`  ${visibleLine(id)}: ${status}${status === "skipped" ? "" : ` (${Math.round(durationMs)} ms)`}`)}\n`);
  }

  close(): void {}
}

/** A message as lines for a person; what stages say (from users and host files) is made visible. */
export function formatMessage(message: UiEnvelope, palette: Palette): string | undefined {
  const fix = (text: string | undefined) => (text ? `\n  fix: ${visible(text)}` : "");
  switch (message.type) {
    case "Info":
      return `  ${visible(message.text)}`;
    case "Warn":
      return `${palette.yellow("warning")}: ${visible(message.text)}${fix(message.fix)}`;
    case "Error":
      return `${palette.red("error")}${message.code ? `[${visibleLine(message.code)}]` : ""}: ${visible(message.text)}${fix(message.fix)}`;
    case "ProgressStart":
      return `  ${visibleLine(message.label)}...`;
    case "ProgressUpdate":
      return undefined;
    case "ProgressComplete":
      return message.label ? `  ${visibleLine(message.label)}: done` : undefined;
    case "Result":
      return `${visible(message.text)}${message.path ? `\n  ${palette.dim(visibleLine(message.path))}` : ""}`;
  }
}
