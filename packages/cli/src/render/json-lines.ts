import type { StageStatus, UiEnvelope } from "@vmforge/kernel";
import type { Renderer } from "./renderer.js";
import { safeJson } from "./visible.js";

/** `--json-lines`: one JSON object a line, for other programs. */
export class JsonLinesRenderer implements Renderer {
  constructor(private readonly out: NodeJS.WritableStream) {}

  render(message: UiEnvelope): void {
    this.#write({ event: "message", ...message });
  }
  stageStarted(id: string, plugin: string): void {
    this.#write({ event: "stage-start", stage: id, plugin, time: Date.now() });
  }
  stageFinished(id: string, status: StageStatus, durationMs: number): void {
    this.#write({ event: "stage-end", stage: id, status, durationMs: Math.round(durationMs), time: Date.now() });
  }
  close(): void {}

  #write(value: Record<string, unknown>): void {
    this.out.write(`${safeJson(value)}\n`);
  }
}

/** `--json`: nothing while running; the command prints one document at the end. */
export class SilentRenderer implements Renderer {
  render(): void {}
  stageStarted(): void {}
  stageFinished(): void {}
  close(): void {}
}
