export interface DownloadProgress {
  /** Bytes of the image on disk so far (a resumed download starts above 0). */
  bytes: number;
  /** The image's size when the server says it. */
  total?: number;
  /** Bytes a second in this run. */
  rate: number;
  /** Seconds left at that rate, when the total is known. */
  etaSeconds?: number;
}

export type ProgressListener = (progress: DownloadProgress) => void;

/** Rate over this run's bytes (not the resumed ones), reported at most every `intervalMs`. */
export class ProgressMeter {
  readonly #started = Date.now();
  #startBytes: number | undefined;
  #lastReport = 0;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 200,
  ) {}

  update(bytes: number, total: number | undefined, force = false): void {
    if (!this.listener) return;
    this.#startBytes ??= bytes;
    const now = Date.now();
    if (!force && now - this.#lastReport < this.intervalMs) return;
    this.#lastReport = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? Math.max(0, bytes - this.#startBytes) / seconds : 0;
    const etaSeconds = total !== undefined && rate > 0 ? Math.max(0, (total - bytes) / rate) : undefined;
    this.listener({ bytes, ...(total === undefined ? {} : { total }), rate, ...(etaSeconds === undefined ? {} : { etaSeconds }) });
  }
}
