import type { HostRoot } from "@vmforge/kernel";

const seen = new WeakMap<HostRoot, Map<string, string | Buffer>>();
const generated = new WeakMap<HostRoot, Map<string, string>>();

/** A file the host does not have but its snapshot must (what systeminformation said, for replay). */
export function rememberGenerated(host: HostRoot, hostPath: string, content: string): void {
  let files = generated.get(host);
  if (!files) generated.set(host, (files = new Map()));
  files.set(hostPath, content);
}

export function generatedFiles(host: HostRoot): ReadonlyMap<string, string> {
  return generated.get(host) ?? new Map();
}

function remember(host: HostRoot, hostPath: string, content: string | Buffer): void {
  let log = seen.get(host);
  if (!log) seen.set(host, (log = new Map()));
  log.set(hostPath, content);
}

/**
 * Reads a host file and keeps what it said, so a snapshot saved after the check holds the
 * very content the check judged (/proc/meminfo and friends change from one second to the next).
 */
export async function readText(host: HostRoot, hostPath: string, maxBytes?: number): Promise<string | undefined> {
  const text = await host.readText(hostPath, maxBytes);
  if (text !== undefined) remember(host, hostPath, text);
  return text;
}

/** One trimmed line, as sysfs attributes are. */
export async function readAttribute(host: HostRoot, hostPath: string): Promise<string | undefined> {
  return (await readText(host, hostPath))?.trim();
}

/**
 * The raw bytes of a large host file (pci.ids): decoding 1.3 MB costs ~10 ms. The bytes are
 * kept here, and `saveSnapshot` writes them like any file the check read.
 */
export async function readBytes(host: HostRoot, hostPath: string, maxBytes: number): Promise<Buffer | undefined> {
  const bytes = await host.readBytes(hostPath, maxBytes);
  if (bytes !== undefined) remember(host, hostPath, bytes);
  return bytes;
}

/** What the check read at `hostPath` through this host root, if anything. */
export function contentSeen(host: HostRoot, hostPath: string): string | Buffer | undefined {
  return seen.get(host)?.get(hostPath);
}
