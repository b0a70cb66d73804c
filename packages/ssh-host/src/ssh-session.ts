import type { ChildProcess } from "node:child_process";
import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { PROTOCOL_GREETING, remoteCommand } from "./remote-script.js";
import { ProtocolError, ReplyReader, type Reply } from "./reply-reader.js";
import { sshFailure } from "./ssh-errors.js";
import type { SshTarget } from "./target.js";

export interface SshSessionOptions {
  /** The largest file content asked for (bytes). */
  maxFile: number;
  /** An ssh client config file (`ssh -F`); otherwise the user's own. */
  configFile?: string;
  /** The ssh program (default `ssh` on PATH). */
  ssh?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * One ssh connection running the remote script; requests go down its input one a line and
 * replies come back in the same order.
 */
export class SshSession {
  readonly #child: ChildProcess;
  readonly #pending: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  readonly #ready: Promise<void>;
  #failure: Error | undefined;
  /** Fails open() when the session ends before the remote script greets (a no-op after). */
  #rejectReady: (error: Error) => void = () => undefined;
  #stderr = "";

  private constructor(
    readonly target: SshTarget,
    child: ChildProcess,
    options: SshSessionOptions,
  ) {
    this.#child = child;
    let greeted: () => void;
    this.#ready = new Promise<void>((resolve, reject) => {
      greeted = resolve;
      this.#rejectReady = reject;
    });
    const reader = new ReplyReader(PROTOCOL_GREETING, options.maxFile + 1, (reply) => this.#pending.shift()?.resolve(reply));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (this.#failure) return;
      try {
        const before = reader.greeted;
        reader.push(chunk);
        if (!before && reader.greeted) greeted();
      } catch (error) {
        this.#fail(error instanceof ProtocolError ? protocolError(target, error) : (error as Error));
        child.kill();
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (this.#stderr = (this.#stderr + text).slice(-8192)));
    child.stdin!.on("error", () => undefined);
    child.on("error", (error: NodeJS.ErrnoException) => {
      this.#fail(
        error.code === "ENOENT"
          ? new VmforgeError("E_SSH_MISSING", "There is no ssh client on this PATH.", { exitCode: ExitCode.usage, fix: "Install OpenSSH's client (Debian: apt-get install openssh-client)." })
          : error,
      );
    });
    child.on("close", (code) => this.#fail(sshFailure(target, code, this.#stderr)));
  }

  static async open(target: SshTarget, options: SshSessionOptions): Promise<SshSession> {
    // Loaded here: most runs read this machine and never start ssh.
    const { spawn } = await import("node:child_process");
    const args = [
      "-o", "BatchMode=yes",
      "-o", "ConnectTimeout=15",
      "-o", "ServerAliveInterval=15",
      ...(options.configFile ? ["-F", options.configFile] : []),
      ...(target.port ? ["-p", String(target.port)] : []),
      ...(target.user ? ["-l", target.user] : []),
      "-T", "--", target.host, remoteCommand(options.maxFile),
    ];
    const child = spawn(options.ssh ?? "ssh", args, { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const session = new SshSession(target, child, options);
    await session.#ready;
    return session;
  }

  request(kind: "S" | "C", hostPath: string): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (hostPath.includes("\n") || hostPath.includes("\0")) return Promise.resolve({ kind: "none" });
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#child.stdin!.write(`${kind} ${hostPath}\n`);
    });
  }

  /** Ends the remote script (its input closes) and waits for ssh to go; a failed session is killed. */
  async close(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const failed = this.#failure !== undefined;
    this.#failure ??= new Error("the session is closed");
    if (failed) child.kill();
    else child.stdin!.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    // A program the remote side left running must not keep this process alive through the pipes.
    child.stdout!.destroy();
    child.stderr!.destroy();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#rejectReady(this.#failure);
    for (const waiting of this.#pending.splice(0)) waiting.reject(this.#failure);
  }
}

function protocolError(target: SshTarget, error: ProtocolError): VmforgeError {
  return new VmforgeError("E_SSH_PROTOCOL", `${target.text}: the host answered with ${error.message}.`, {
    exitCode: ExitCode.usage,
    why: "vmforge reads the host with a small /bin/sh script; something on the way (a shell profile that prints, or a different shell) changed its answers.",
    fix: "Make the user's shell print nothing for non-interactive sessions (`ssh HOST true` prints nothing), then try again.",
  });
}
