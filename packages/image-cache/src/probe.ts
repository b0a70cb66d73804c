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
    const response = await get(new URL(url), { method: "HEAD", signal: AbortSignal.any(signals), idleTimeoutMs: timeoutMs });
    response.message.resume();
    if (response.status !== 200) return { unknown: `HTTP ${response.status}` };
    const length = response.message.headers["content-length"];
    return length !== undefined && /^\d{1,16}$/.test(length) ? { bytes: Number(length) } : { unknown: "the server gives no length" };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause ?? error;
    return { unknown: (error as Error).name === "AbortError" || (cause as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : ((cause as Error)?.message ?? String(error)) };
  }
}
