import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { imageError, shownUrl } from "./errors.js";

export const MAX_REDIRECTS = 10;

export interface GetOptions {
  method?: "GET" | "HEAD";
  headers?: OutgoingHttpHeaders;
  signal?: AbortSignal;
  /** A socket that stays idle this long is given up (a dropped connection). */
  idleTimeoutMs: number;
}

export interface Response {
  /** The URL that answered, after redirects. */
  url: URL;
  status: number;
  message: IncomingMessage;
}

/** A connection that could not be made or was lost before an answer: worth another try. */
export class ConnectionLost extends Error {
  constructor(
    readonly url: URL,
    override readonly cause: unknown,
  ) {
    super(`${shownUrl(url)}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * One request, following at most {@link MAX_REDIRECTS} redirects (http -> https allowed, never
 * https -> http, never another scheme). The answer's body is the caller's to read or destroy.
 */
export async function get(url: URL, options: GetOptions): Promise<Response> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const message = await once(current, options);
    const status = message.statusCode ?? 0;
    if (status < 300 || status >= 400 || status === 304) return { url: current, status, message };
    message.resume();
    const location = message.headers.location;
    if (!location) return { url: current, status, message };
    if (hop >= MAX_REDIRECTS) {
      throw imageError("E_IMAGE_HTTP", `${shownUrl(url)} redirects more than ${MAX_REDIRECTS} times.`, "The server sends the request round in redirects.", "Check the URL in a browser, and give the final one.");
    }
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw imageError("E_IMAGE_HTTP", `${shownUrl(current)} redirects to an invalid URL.`, "The server's Location header is no URL.", "Give the image's final URL.");
    }
    if ((next.protocol !== "https:" && next.protocol !== "http:") || (current.protocol === "https:" && next.protocol === "http:")) {
      throw imageError(
        "E_IMAGE_HTTP",
        `${shownUrl(current)} redirects to ${shownUrl(next)}, which vmforge does not follow.`,
        "Redirects are followed from http to https, never from https down to http or to another scheme.",
        "Give a URL that stays on https.",
      );
    }
    current = next;
  }
}

function once(url: URL, options: GetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(url, {
      method: options.method ?? "GET",
      headers: { "user-agent": "vmforge", "accept-encoding": "identity", ...options.headers },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    request.setTimeout(options.idleTimeoutMs, () => request.destroy(new Error(`no answer for ${Math.round(options.idleTimeoutMs / 1000)} s`)));
    // The timeout stays on the socket: once the answer came, an idle body is a dropped connection too.
    request.on("response", resolve);
    request.on("error", (error) => reject(options.signal?.aborted ? error : new ConnectionLost(url, error)));
    request.end();
  });
}
