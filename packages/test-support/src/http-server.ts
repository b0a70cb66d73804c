import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface ImageServer {
  url(path: string): string;
  /** Every request: method, path and Range header. */
  requests: Array<{ method: string; path: string; range?: string }>;
  route(path: string, handler: Handler): void;
  /** Serves fixed bytes at `path` (HEAD, GET and `Range: bytes=N-`). */
  serve(path: string, data: Buffer | string): void;
  close(): Promise<void>;
  port: number;
}

/** A node:http server on 127.0.0.1 with one handler a path (every other path is a 404): a stand-in for an image mirror. */
export async function startImageServer(): Promise<ImageServer> {
  const routes = new Map<string, Handler>();
  const requests: ImageServer["requests"] = [];
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    requests.push({ method: request.method ?? "GET", path, ...(request.headers.range ? { range: request.headers.range } : {}) });
    const handler = routes.get(path);
    if (!handler) {
      response.writeHead(404, { "content-length": 9 }).end("not found");
      return;
    }
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    route: (path, handler) => void routes.set(path, handler),
    serve: (path, data) => void routes.set(path, serveBytes(Buffer.from(data))),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `data` with Content-Length, and with 206 answers to `Range: bytes=N-` when `ranges`. */
export function serveBytes(data: Buffer, options: { ranges?: boolean; chunked?: boolean } = {}): Handler {
  return (request, response) => {
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    if (range && options.ranges !== false) {
      const start = Number(range[1]);
      if (start >= data.length) {
        response.writeHead(416, { "content-range": `bytes */${data.length}` }).end();
        return;
      }
      response.writeHead(206, { "content-length": data.length - start, "content-range": `bytes ${start}-${data.length - 1}/${data.length}` });
      if (request.method === "HEAD") response.end();
      else response.end(data.subarray(start));
      return;
    }
    response.writeHead(200, options.chunked ? {} : { "content-length": data.length });
    if (request.method === "HEAD") response.end();
    else response.end(data);
  };
}

/** Announces the whole length, sends `sent` bytes of it, then drops the connection. */
export function serveCut(data: Buffer, sent: number): Handler {
  return (request, response) => {
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const headers: Record<string, string | number> = { "content-length": data.length - start };
    if (range) headers["content-range"] = `bytes ${start}-${data.length - 1}/${data.length}`;
    response.writeHead(range ? 206 : 200, headers);
    response.write(data.subarray(start, Math.min(data.length, start + sent)), () => response.socket?.destroy());
  };
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

