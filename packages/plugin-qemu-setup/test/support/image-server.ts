import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ImageServer {
  port: number;
  url(path: string): string;
  requests: Array<{ method: string; path: string; range?: string }>;
  /** Serves `data` at `path` (HEAD and GET, with Content-Length). */
  serve(path: string, data: Buffer | string): void;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 serving fixed files; every other path is a 404. */
export async function startImageServer(): Promise<ImageServer> {
  const files = new Map<string, Buffer>();
  const requests: ImageServer["requests"] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    requests.push({ method: request.method ?? "GET", path, ...(request.headers.range ? { range: request.headers.range } : {}) });
    const data = files.get(path);
    if (!data) return void response.writeHead(404, { "content-length": 0 }).end();
    response.writeHead(200, { "content-length": data.length });
    response.end(request.method === "HEAD" ? undefined : data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    serve: (path, data) => void files.set(path, Buffer.from(data)),
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
