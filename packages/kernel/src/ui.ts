/** Messages stages send to whoever is watching: a terminal, plain lines, or JSON lines. */
export type UiMessage =
  | { type: "Info"; text: string }
  | { type: "Warn"; text: string; code?: string; fix?: string }
  | { type: "Error"; text: string; code?: string; fix?: string }
  | { type: "ProgressStart"; id: string; label: string; total?: number; unit?: ProgressUnit }
  | { type: "ProgressUpdate"; id: string; current: number; total?: number; label?: string; rate?: number; etaSeconds?: number }
  | { type: "ProgressComplete"; id: string; label?: string }
  | { type: "Result"; text: string; data?: unknown; path?: string };

export type UiMessageType = UiMessage["type"];

/**
 * What `current` and `total` count: steps when absent, bytes for a download (then updates may
 * carry `rate`, bytes a second, and `etaSeconds`).
 */
export type ProgressUnit = "bytes";

export interface ProgressOptions {
  unit?: ProgressUnit;
}

/** Updates a progress: `total` when it becomes known, `rate`/`etaSeconds` for bytes. */
export type ProgressUpdater = (current: number, total?: number, speed?: { rate?: number; etaSeconds?: number }) => void;

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
  async progress<T>(id: string, label: string, work: (update: ProgressUpdater) => Promise<T>, total?: number, options: ProgressOptions = {}): Promise<T> {
    this.sendMessage({ type: "ProgressStart", id, label, ...(total === undefined ? {} : { total }), ...(options.unit ? { unit: options.unit } : {}) });
    let knownTotal = total;
    try {
      return await work((current, newTotal, speed) => {
        knownTotal = newTotal ?? knownTotal;
        this.sendMessage({
          type: "ProgressUpdate",
          id,
          current,
          ...(knownTotal === undefined ? {} : { total: knownTotal }),
          ...(speed?.rate === undefined || !Number.isFinite(speed.rate) ? {} : { rate: speed.rate }),
          ...(speed?.etaSeconds === undefined || !Number.isFinite(speed.etaSeconds) ? {} : { etaSeconds: speed.etaSeconds }),
        });
      });
    } finally {
      this.sendMessage({ type: "ProgressComplete", id, label });
    }
  }
}
