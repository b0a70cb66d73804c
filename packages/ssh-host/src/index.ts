import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReadLimits, type EffectTarget, type HostSource } from "@vmforge/kernel";
import { SshEffectTarget } from "./ssh-effect-target.js";
import { SshHostSource } from "./ssh-host-source.js";
import { SshSession } from "./ssh-session.js";
import { parseSshTarget, type SshTarget } from "./target.js";

export { parseSshTarget, type SshTarget } from "./target.js";
export { remoteScript } from "./remote-script.js";

export interface SshHostOptions {
  /** An ssh client config file (`ssh -F`); by default the user's own (~/.ssh/config, agent, known_hosts). */
  configFile?: string;
  /** The ssh program (default `ssh` on PATH). */
  ssh?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The session will change the host (apply): it runs as root there, through `sudo -n` for a
   * user other than root; a user without those rights is E_SSH_SUDO.
   */
  asRoot?: boolean;
}

/** A remote host, read into a private folder as a host root reads it. */
export interface SshHost {
  target: SshTarget;
  /** The host root folder (mode 0700, removed by close()). */
  root: string;
  source: HostSource;
  /** Where `apply --host` lands its effects: that machine, over the same session. */
  effects: EffectTarget;
  close(): Promise<void>;
}

/**
 * Opens one SSH session to `target` (an `ssh://[user@]host[:port]` string or a parsed target)
 * with the system's ssh client, and returns the host root folder and source to give a Kernel
 * (`hostRoot`, `hostSource`, and `effectTarget` for apply). Nothing is installed there: a POSIX sh
 * script answers each read and carries out each write.
 */
export async function openSshHost(target: string | SshTarget, options: SshHostOptions = {}): Promise<SshHost> {
  const parsed = typeof target === "string" ? parseSshTarget(target) : target;
  const session = await SshSession.open(parsed, { maxFile: ReadLimits.firmware, ...options });
  const root = mkdtempSync(join(tmpdir(), "vmforge-host-"));
  return {
    target: parsed,
    root,
    source: new SshHostSource(session, root),
    effects: new SshEffectTarget(session),
    async close() {
      await session.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
