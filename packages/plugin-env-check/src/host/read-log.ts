import type { HostRoot } from "@vmforge/kernel";

const seen = new WeakMap<HostRoot, Map<string, string>>();

/**
 * Reads a host file and keeps what it said, so a snapshot saved after the check holds the
 * very content the check judged (/proc/meminfo and friends change from one second to the next).
 */
export async function readText(host: HostRoot, hostPath: string): Promise<string | undefined> {
  const text = await host.readText(hostPath);
  if (text !== undefined) {
    let log = seen.get(host);
    if (!log) seen.set(host, (log = new Map()));
    log.set(hostPath, text);
  }
  return text;
}

/** One trimmed line, as sysfs attributes are. */
export async function readAttribute(host: HostRoot, hostPath: string): Promise<string | undefined> {
  return (await readText(host, hostPath))?.trim();
}

/** The content a check read at `hostPath` through this host root, if any. */
export function contentSeen(host: HostRoot, hostPath: string): string | undefined {
  return seen.get(host)?.get(hostPath);
}
