import type { HostRoot } from "@vmforge/kernel";
import { readAttribute, readText } from "./read-log.js";
import type { OsInfo } from "../contract.js";

/** Parses os-release(5): `KEY=value` lines, values optionally quoted. */
export function parseOsRelease(text: string | undefined): OsInfo {
  const values = new Map<string, string>();
  for (const line of (text ?? "").split("\n")) {
    const match = line.match(/^([A-Z0-9_]+)=(.*)$/);
    if (!match) continue;
    values.set(match[1]!, unquote(match[2]!.trim()));
  }
  return {
    id: values.get("ID") ?? null,
    name: values.get("NAME") ?? null,
    prettyName: values.get("PRETTY_NAME") ?? null,
    versionId: values.get("VERSION_ID") ?? null,
  };
}

function unquote(value: string): string {
  const quoted = value.match(/^(["'])(.*)\1$/);
  return (quoted ? quoted[2]! : value).replace(/\\(["'$`\\])/g, "$1");
}

export async function readOsRelease(host: HostRoot): Promise<OsInfo> {
  const text = (await readText(host, "/etc/os-release")) ?? (await readText(host, "/usr/lib/os-release"));
  return parseOsRelease(text);
}

export async function readKernelRelease(host: HostRoot): Promise<string | null> {
  return (await readAttribute(host, "/proc/sys/kernel/osrelease")) || null;
}
