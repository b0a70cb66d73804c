import { ExitCode, VmforgeError } from "@vmforge/kernel";

/** Where `--host ssh://[user@]host[:port]` points. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** As the user wrote it, for messages. */
  text: string;
}

const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
/** A host name, an IPv4 address or a bracketed IPv6 address; never anything ssh would take for an option. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

/** Parses `ssh://[user@]host[:port]`; anything else is E_SSH_TARGET (exit 2) saying what was expected. */
export function parseSshTarget(text: string): SshTarget {
  const fail = (why: string): never => {
    throw new VmforgeError("E_SSH_TARGET", `--host ${text}: ${why}.`, {
      exitCode: ExitCode.usage,
      fix: "Write the host as ssh://[user@]host[:port], for example ssh://root@gpu-box or ssh://admin@192.168.1.20:2222.",
    });
  };
  if (!text.startsWith("ssh://")) fail("only ssh:// hosts are supported");
  const rest = text.slice("ssh://".length).replace(/\/$/, "");
  if (rest.includes("/") || rest.includes("?") || rest.includes("#")) fail("a path, query or fragment has no meaning here");
  const at = rest.lastIndexOf("@");
  const user = at >= 0 ? decodeURIComponent(rest.slice(0, at)) : undefined;
  const hostPort = at >= 0 ? rest.slice(at + 1) : rest;
  if (user !== undefined && !USER.test(user)) fail(`"${user}" is not a user name`);
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
  const host = portMatch[1]!;
  if (!HOST.test(host)) fail(host === "" ? "no host name" : `"${host}" is not a host name or address`);
  const port = portMatch[2] === undefined ? undefined : Number(portMatch[2]);
  if (port !== undefined && (port < 1 || port > 65535)) fail(`port ${portMatch[2]} is not between 1 and 65535`);
  return { ...(user !== undefined ? { user } : {}), host: host.startsWith("[") ? host.slice(1, -1) : host, ...(port !== undefined ? { port } : {}), text };
}
