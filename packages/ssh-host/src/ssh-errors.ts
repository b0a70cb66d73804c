import { ExitCode, VmforgeError } from "@vmforge/kernel";
import type { SshTarget } from "./target.js";

/** What went wrong reaching a host, from ssh's exit status and its last words. */
export function sshFailure(target: SshTarget, exitCode: number | null, stderr: string): VmforgeError {
  const said = stderr.trim().split("\n").filter((line) => line.trim() !== "").slice(-3).join("\n");
  const where = `${target.user ? `${target.user}@` : ""}${target.host}${target.port ? ` port ${target.port}` : ""}`;
  const details = { exitCode: ExitCode.usage, ...(said ? { why: `ssh said:\n${said}` } : {}) };
  if (/host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|no .* host key is known/i.test(stderr)) {
    return new VmforgeError("E_SSH_HOST_KEY", `${target.text}: the host key of ${where} is not known or has changed.`, {
      ...details,
      fix: `Connect once with \`ssh ${sshWords(target).join(" ")}\`, compare the fingerprint with the machine's own, and accept it; vmforge never accepts a host key by itself.`,
    });
  }
  if (/^sudo: |sudo: (command )?not found|is not in the sudoers file|may not run sudo/im.test(stderr)) {
    const who = target.user ?? "your user";
    return new VmforgeError("E_SSH_SUDO", `${target.text}: ${who} may not become root there without a password (sudo -n), which apply needs.`, {
      ...details,
      fix: /not found/i.test(stderr)
        ? `Install sudo there and allow ${who} to use it without a password, or log in as root (ssh://root@${target.host}${target.port ? `:${target.port}` : ""}).`
        : `Log in as root (ssh://root@${target.host}${target.port ? `:${target.port}` : ""}), or allow ${who} passwordless sudo there (a sudoers line \`${who} ALL=(root) NOPASSWD: /bin/sh\`, which is root access in all but name). check and plan need no sudo.`,
    });
  }
  if (/permission denied|authentication failed|too many authentication failures/i.test(stderr)) {
    return new VmforgeError("E_SSH_AUTH", `${target.text}: ${where} did not let ${target.user ?? "you"} in.`, {
      ...details,
      fix: "vmforge uses your ssh client with BatchMode (no password prompts): load the key in your ssh-agent or name it in ~/.ssh/config (IdentityFile), and check the user name.",
    });
  }
  if (/could not resolve hostname|name or service not known|connection refused|connection timed out|no route to host|network is unreachable|connection closed|operation timed out/i.test(stderr)) {
    return new VmforgeError("E_SSH_UNREACHABLE", `${target.text}: cannot reach ${where}.`, {
      ...details,
      fix: "Check the host name, the port and that sshd runs there (`ssh -v` shows where it stops).",
    });
  }
  if (exitCode === 127 || /command not found|no such file/i.test(stderr)) {
    return new VmforgeError("E_SSH_NO_SHELL", `${target.text}: ${where} has no /bin/sh to answer vmforge.`, {
      ...details,
      fix: "vmforge reads a remote host with /bin/sh, cat, head, readlink and wc; a Linux host has them. Check the host is a Linux machine.",
    });
  }
  return new VmforgeError("E_SSH_FAILED", `${target.text}: ssh ended (${exitCode === null ? "killed" : `exit ${exitCode}`}) before the host was read.`, {
    ...details,
    fix: "Run `ssh -v` to the same host to see why, then try again.",
  });
}

/** The ssh command line words for the target, as a user would type them. */
export function sshWords(target: SshTarget): string[] {
  return [...(target.port ? ["-p", String(target.port)] : []), `${target.user ? `${target.user}@` : ""}${target.host}`];
}
