import type { StageStatus, UiEnvelope } from "@vmforge/kernel";
import type { Palette } from "./colors.js";
import { byteProgressText } from "./byte-progress.js";
import { formatMessage } from "./plain.js";
import { isQuietable, type Renderer, type RenderOptions } from "./renderer.js";
import { visibleLine } from "./visible.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A terminal view: finished stages scroll up with a tick, the running stage and any progress
 * bar stay on one status line that is redrawn in place.
 */
export class LiveRenderer implements Renderer {
  #current: { id: string; started: number } | undefined;
  #progress = new Map<string, { label: string; current: number; total?: number; bytes: boolean; rate?: number; etaSeconds?: number }>();
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  #statusShown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly palette: Palette,
    private readonly options: RenderOptions,
  ) {}

  render(message: UiEnvelope): void {
    if (message.type === "ProgressStart") this.#progress.set(message.id, { label: message.label, current: 0, bytes: message.unit === "bytes", ...(message.total === undefined ? {} : { total: message.total }) });
    else if (message.type === "ProgressUpdate") {
      const bar = this.#progress.get(message.id);
      if (bar) Object.assign(bar, { current: message.current, rate: message.rate, etaSeconds: message.etaSeconds, ...(message.total === undefined ? {} : { total: message.total }) });
    } else if (message.type === "ProgressComplete") this.#progress.delete(message.id);
    if (message.type.startsWith("Progress") || (this.options.quiet && isQuietable(message))) {
      this.#drawStatus();
      return;
    }
    const line = formatMessage(message, this.palette);
    if (line !== undefined) this.#print(line);
  }

  stageStarted(id: string): void {
    this.#current = { id: visibleLine(id), started: Date.now() };
    this.#timer ??= setInterval(() => this.#drawStatus(), 80).unref();
    this.#drawStatus();
  }

  stageFinished(id: string, status: StageStatus, durationMs: number): void {
    this.#current = undefined;
    if (!this.options.quiet) {
      const mark = status === "done" ? this.palette.green("✓") : status === "skipped" ? this.palette.dim("-") : status === "failed" ? this.palette.red("✗") : this.palette.dim("↺");
      this.#print(`${mark} ${visibleLine(id)}${status === "done" ? this.palette.dim(` ${Math.round(durationMs)} ms`) : this.palette.dim(` ${status}`)}`);
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clearStatus();
  }

  #print(line: string): void {
    this.#clearStatus();
    this.out.write(`${line}\n`);
    this.#drawStatus();
  }

  #clearStatus(): void {
    if (this.#statusShown) this.out.write("\r\u001b[2K");
    this.#statusShown = false;
  }

  #drawStatus(): void {
    if (!this.#current) return this.#clearStatus();
    this.#frame = (this.#frame + 1) % FRAMES.length;
    const seconds = ((Date.now() - this.#current.started) / 1000).toFixed(1);
    const frame = FRAMES[this.#frame]!;
    const bar = [...this.#progress.values()].at(-1);
    const progress = bar ? `  ${visibleLine(bar.label)} ${bar.bytes ? bytesBar(bar) : progressBar(bar.current, bar.total)}` : "";
    const plain = `${frame} ${this.#current.id} ${seconds}s${progress}`;
    const width = (this.out.columns || 80) - 1;
    // Cut the plain text, never a coloured one: half an escape sequence would garble the terminal.
    const status = plain.length > width ? plain.slice(0, width) : `${this.palette.cyan(frame)} ${this.#current.id} ${this.palette.dim(`${seconds}s`)}${progress}`;
    this.out.write(`\r\u001b[2K${status}`);
    this.#statusShown = true;
  }
}

function progressBar(current: number, total: number | undefined): string {
  if (!total) return `${current}`;
  const ratio = Math.max(0, Math.min(1, current / total));
  const filled = Math.round(ratio * 20);
  return `[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${Math.round(ratio * 100)}%`;
}

/** A download: the bar when the size is known, then bytes, rate and time left. */
function bytesBar(bar: { current: number; total?: number; rate?: number; etaSeconds?: number }): string {
  const text = byteProgressText(bar);
  return bar.total ? `${progressBar(bar.current, bar.total)} ${text}` : text;
}
