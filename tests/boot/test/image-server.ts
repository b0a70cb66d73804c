import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ImageServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Every request's method and path, in order. */
  requests: Array<{ method: string; path: string; range?: string }>;
  close(): Promise<void>;
}

/**
 * The guest image and a SHA256SUMS beside it, on 127.0.0.1 at a random port, as a distribution's
 * mirror serves them (with byte ranges, for a resumed download).
 */
export async function serveImage(image: { path: string; sha256: string }, name = "guest.qcow2"): Promise<ImageServer> {
  const size = statSync(image.path).size;
  const sums = `${image.sha256}  ${name}\n`;
  const requests: ImageServer["requests"] = [];
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    requests.push({ method: request.method ?? "GET", path, ...(request.headers.range ? { range: request.headers.range } : {}) });
    if (path === "/SHA256SUMS") {
      response.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(sums) });
      response.end(request.method === "HEAD" ? undefined : sums);
      return;
    }
    if (path !== `/${name}`) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found\n");
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (range && start >= size) {
      response.writeHead(416, { "content-range": `bytes */${size}` });
      response.end();
      return;
    }
    response.writeHead(range ? 206 : 200, {
      "content-type": "application/octet-stream",
      "content-length": end - start + 1,
      "accept-ranges": "bytes",
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    createReadStream(image.path, { start, end }).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
