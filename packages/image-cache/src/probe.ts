import { get } from "./http-get.js";

export interface ImageProbe {
  /** The size the server announces, when it does. */
  bytes?: number;
  /** Why the size is unknown (offline, an HTTP status, a timeout). */
  unknown?: string;
}

/**
 * Best effort, for a plan: a HEAD request (redirects followed) with a short timeout. Never throws;
 * offline it says why the size is unknown.
 */
export async function probeImageSize(url: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ImageProbe> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const signal = AbortSignal.any(signals);
    const response = await get(new URL(url), { method: "HEAD", signal, idleTimeoutMs: timeoutMs });
    response.message.resume();
    if (response.status === 200) {
      const length = response.message.headers["content-length"];
      if (length !== undefined && /^\d{1,16}$/.test(length)) return { bytes: Number(length) };
    } else if (response.status !== 405 && response.status !== 501 && response.status !== 403) {
      return { unknown: `HTTP ${response.status}` };
    }
    // Some servers refuse HEAD or leave the length out: the first byte with Range names the total.
    const ranged = await get(new URL(url), { headers: { range: "bytes=0-0" }, signal, idleTimeoutMs: timeoutMs });
    ranged.message.destroy();
    const total = /^bytes 0-0\/(\d{1,16})$/.exec(String(ranged.message.headers["content-range"] ?? ""));
    if (ranged.status === 206 && total) return { bytes: Number(total[1]) };
    // Range ignored: the whole file's length, without reading it.
    const whole = ranged.message.headers["content-length"];
    if (ranged.status === 200 && whole !== undefined && /^\d{1,16}$/.test(whole)) return { bytes: Number(whole) };
    return { unknown: ranged.status === 206 || ranged.status === 200 ? "the server gives no length" : `HTTP ${ranged.status}` };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause ?? error;
    return { unknown: (error as Error).name === "AbortError" || (cause as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : ((cause as Error)?.message ?? String(error)) };
  }
}
