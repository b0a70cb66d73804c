import type { StageStatus, UiEnvelope } from "@vmforge/kernel";
import type { Palette } from "./colors.js";
import { isQuietable, type Renderer, type RenderOptions } from "./renderer.js";

/** One line per event, for logs and pipes: no cursor movement. */
export class PlainRenderer implements Renderer {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly palette: Palette,
    private readonly options: RenderOptions,
  ) {}

  render(message: UiEnvelope): void {
    if (this.options.quiet && isQuietable(message)) return;
    const line = formatMessage(message, this.palette);
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  stageStarted(id: string): void {
    if (!this.options.quiet) this.out.write(`${this.palette.dim(`> ${id}`)}\n`);
  }

  stageFinished(id: string, status: StageStatus, durationMs: number): void {
    if (this.options.quiet || status === "done") return;
    this.out.write(`${this.palette.dim(`  ${id}: ${status}${status === "skipped" ? "" : ` (${Math.round(durationMs)} ms)`}`)}\n`);
  }

  close(): void {}
}

export function formatMessage(message: UiEnvelope, palette: Palette): string | undefined {
  switch (message.type) {
    case "Info":
      return `  ${message.text}`;
    case "Warn":
      return `${palette.yellow("warning")}: ${message.text}${message.fix ? `\n  fix: ${message.fix}` : ""}`;
    case "Error":
      return `${palette.red("error")}${message.code ? `[${message.code}]` : ""}: ${message.text}${message.fix ? `\n  fix: ${message.fix}` : ""}`;
    case "ProgressStart":
      return `  ${message.label}...`;
    case "ProgressUpdate":
      return undefined;
    case "ProgressComplete":
      return message.label ? `  ${message.label}: done` : undefined;
    case "Result":
      return `${message.text}${message.path ? `\n  ${palette.dim(message.path)}` : ""}`;
  }
}
