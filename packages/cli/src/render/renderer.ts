import type { UIBridge, UiEnvelope, StageStatus } from "@vmforge/kernel";

/** Renders UI messages and the stage boundaries the CLI observes through stage hooks. */
export interface Renderer extends UIBridge {
  stageStarted(id: string, plugin: string): void;
  stageFinished(id: string, status: StageStatus, durationMs: number): void;
  close(): void;
}

export interface RenderOptions {
  quiet: boolean;
}

export function isQuietable(message: UiEnvelope): boolean {
  return message.type === "Info" || message.type.startsWith("Progress");
}
