/** Messages stages send to whoever is watching: a terminal, plain lines, or JSON lines. */
export type UiMessage =
  | { type: "Info"; text: string }
  | { type: "Warn"; text: string; code?: string; fix?: string }
  | { type: "Error"; text: string; code?: string; fix?: string }
  | { type: "ProgressStart"; id: string; label: string; total?: number }
  | { type: "ProgressUpdate"; id: string; current: number; total?: number; label?: string }
  | { type: "ProgressComplete"; id: string; label?: string }
  | { type: "Result"; text: string; data?: unknown; path?: string };

export type UiMessageType = UiMessage["type"];

/** A message as delivered: stamped with the stage that sent it and the time. */
export type UiEnvelope = UiMessage & { stage?: string; plugin?: string; time: number };

export interface UIBridge {
  render(message: UiEnvelope): void;
}

export class UIManager {
  readonly #bridges: UIBridge[] = [];
  readonly #history: UiEnvelope[] = [];

  attach(bridge: UIBridge): () => void {
    this.#bridges.push(bridge);
    return () => {
      const index = this.#bridges.indexOf(bridge);
      if (index >= 0) this.#bridges.splice(index, 1);
    };
  }

  sendMessage(message: UiMessage, origin: { stage?: string; plugin?: string } = {}): void {
    const envelope = { ...message, ...origin, time: Date.now() } as UiEnvelope;
    this.#history.push(envelope);
    for (const bridge of this.#bridges) bridge.render(envelope);
  }

  /** Every message sent so far, in order. */
  history(): readonly UiEnvelope[] {
    return this.#history;
  }
}

/** The messenger a stage gets: the same manager, stamped with the stage's id. */
export class StageUi {
  constructor(
    private readonly manager: UIManager,
    private readonly origin: { stage: string; plugin: string },
  ) {}

  sendMessage(message: UiMessage): void {
    this.manager.sendMessage(message, this.origin);
  }
  info(text: string): void {
    this.sendMessage({ type: "Info", text });
  }
  warn(text: string, fix?: string, code?: string): void {
    this.sendMessage({ type: "Warn", text, ...(fix ? { fix } : {}), ...(code ? { code } : {}) });
  }
  error(text: string, fix?: string, code?: string): void {
    this.sendMessage({ type: "Error", text, ...(fix ? { fix } : {}), ...(code ? { code } : {}) });
  }
  result(text: string, data?: unknown, path?: string): void {
    this.sendMessage({ type: "Result", text, ...(data === undefined ? {} : { data }), ...(path ? { path } : {}) });
  }
  /** Wraps a long step in ProgressStart / ProgressUpdate / ProgressComplete; completes even when the step fails. */
  async progress<T>(id: string, label: string, work: (update: (current: number, total?: number) => void) => Promise<T>, total?: number): Promise<T> {
    this.sendMessage({ type: "ProgressStart", id, label, ...(total === undefined ? {} : { total }) });
    let knownTotal = total;
    try {
      return await work((current, newTotal) => {
        knownTotal = newTotal ?? knownTotal;
        this.sendMessage({ type: "ProgressUpdate", id, current, ...(knownTotal === undefined ? {} : { total: knownTotal }) });
      });
    } finally {
      this.sendMessage({ type: "ProgressComplete", id, label });
    }
  }
}
