import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { hasTool, repoRoot } from "@vmforge/test-support";

export const CLI = join(repoRoot, "packages", "cli", "dist", "bin.js");

export interface VmforgeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** A user who has never run vmforge: their own home, config, data and cache folders, nothing else. */
export interface FreshUser {
  dir: string;
  env: Record<string, string>;
  /** `node packages/cli/dist/bin.js ARGS` as this user, from the repository (whose package.json lists the plugins). */
  vmforge(args: string[], options?: { timeoutSeconds?: number }): Promise<VmforgeRun>;
  remove(): void;
}

export function freshUser(): FreshUser {
  const dir = mkdtempSync(join(tmpdir(), "vmforge-boot-user-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: home,
    USER: "root",
    LANG: "C.UTF-8",
    VMFORGE_CONFIG_HOME: join(dir, "config", "vmforge"),
    VMFORGE_DATA_HOME: join(dir, "data", "vmforge"),
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_DATA_HOME: join(dir, "data"),
    XDG_CACHE_HOME: join(dir, "cache"),
    XDG_STATE_HOME: join(dir, "state"),
    TMPDIR: tmpdir(),
  };
  return {
    dir,
    env,
    async vmforge(args, options = {}) {
      const started = performance.now();
      const result = await execa(process.execPath, [CLI, ...args], {
        cwd: repoRoot,
        env,
        extendEnv: false,
        reject: false,
        stdin: "ignore",
        // A guard against a hung command only; the commands' own timeouts are what is tested.
        timeout: (options.timeoutSeconds ?? 900) * 1000,
      });
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, seconds: (performance.now() - started) / 1000 };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestKey {
  publicKey: string;
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/**
 * A new ed25519 key made by ssh-keygen, with ssh-keygen's own fingerprint; without ssh-keygen, a
 * fixed test key (public only) and the fingerprint computed as ssh-keygen does.
 */
export async function testKey(dir: string): Promise<TestKey> {
  if (hasTool("ssh-keygen")) {
    const path = join(dir, "id_ed25519");
    await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tester@vmforge-boot", "-f", path]);
    const publicKey = readFileSync(`${path}.pub`, "utf8").trim();
    const listed = await execa("ssh-keygen", ["-l", "-E", "sha256", "-f", `${path}.pub`]);
    const fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(listed.stdout)?.[0];
    if (!fingerprint) throw new Error(`ssh-keygen -lf printed no SHA256 fingerprint: ${listed.stdout}`);
    return { publicKey, fingerprint };
  }
  const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID2lqzMbd9VzbuUCVT1bbz3yZxXa4lHVUwuOtthEwciz tester@vmforge-boot";
  writeFileSync(join(dir, "id_ed25519.pub"), `${publicKey}\n`);
  return { publicKey, fingerprint: sshFingerprint(publicKey) };
}

/** `SHA256:` and the unpadded base64 of the SHA-256 of the key blob: OpenSSH's fingerprint. */
export function sshFingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}
