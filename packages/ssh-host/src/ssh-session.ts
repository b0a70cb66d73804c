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
  /** Run as root there: a user other than root goes through `sudo -n` (apply). */
  asRoot?: boolean;
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
  #sending: Promise<void> = Promise.resolve();
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
      "-T", "--", target.host, remoteCommand(options.maxFile, { asRoot: options.asRoot === true }),
    ];
    const child = spawn(options.ssh ?? "ssh", args, { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const session = new SshSession(target, child, options);
    await session.#ready;
    return session;
  }

  request(kind: "S" | "C", hostPath: string): Promise<Reply> {
    if (hostPath.includes("\n") || hostPath.includes("\0")) return Promise.resolve({ kind: "none" });
    return this.#ask([`${kind} ${hostPath}\n`], 1).then(([reply]) => reply!);
  }

  /**
   * Writes a file there: `data` (or the local file `data.file`, streamed) to a temporary file
   * beside `hostPath`, renamed over it, or linked to it when `exclusive` (never replacing anything).
   */
  async writeFile(hostPath: string, data: Uint8Array | { file: string; size: number }, options: { mode: number; exclusive: boolean }): Promise<Reply> {
    checkLine(hostPath, "path");
    const size = data instanceof Uint8Array ? data.byteLength : data.size;
    const header = `W ${hostPath}\n${options.mode.toString(8)} ${options.exclusive ? 1 : 0} ${size}\n`;
    const [reply] = await this.#ask([header, data], 1);
    return reply!;
  }

  async mkdir(hostPath: string): Promise<Reply> {
    checkLine(hostPath, "path");
    const [reply] = await this.#ask([`M ${hostPath}\n`], 1);
    return reply!;
  }

  /** Runs `argv` there (no shell), with no input; its output and errors are bounded by maxFile. */
  async run(argv: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    for (const word of argv) checkLine(word, "program argument");
    const [exit, stdout, stderr] = await this.#ask([`X ${argv.length}\n${argv.map((word) => `${word}\n`).join("")}`], 3);
    if (exit?.kind !== "exit" || stdout?.kind !== "content" || stderr?.kind !== "content") throw protocolError(this.target, new ProtocolError("a program run answered out of order"));
    return { exitCode: exit.code, stdout: stdout.bytes.toString("utf8"), stderr: stderr.bytes.toString("utf8") };
  }

  /**
   * Sends one request (its parts in order, a local file streamed) and waits for its `replies`
   * replies. Requests go down the pipe one after another, never interleaved, in call order.
   */
  #ask(parts: Array<string | Uint8Array | { file: string; size: number }>, replies: number): Promise<Reply[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const answers = Array.from({ length: replies }, () => new Promise<Reply>((resolve, reject) => this.#pending.push({ resolve, reject })));
    const sent = this.#sending.then(async () => {
      for (const part of parts) {
        if (this.#failure) return;
        if (typeof part === "string" || part instanceof Uint8Array) await this.#write(part);
        else await this.#stream(part.file, part.size);
      }
    });
    this.#sending = sent.catch((error: Error) => this.#fail(error));
    return Promise.all(answers);
  }

  async #write(chunk: string | Uint8Array): Promise<void> {
    const stdin = this.#child.stdin!;
    if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once("drain", resolve).once("close", resolve));
  }

  /** Exactly `size` bytes of a local file; a file that changed size meanwhile fails the session (the remote side would wait or misread). */
  async #stream(file: string, size: number): Promise<void> {
    if (size === 0) return;
    const { createReadStream } = await import("node:fs");
    let sent = 0;
    for await (const chunk of createReadStream(file, { start: 0, end: size - 1 }) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      await this.#write(chunk);
    }
    if (sent !== size) throw new Error(`${file} changed while it was sent (${sent} of ${size} bytes)`);
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

/** A path or argument travels as one line of the protocol. */
function checkLine(text: string, what: string): void {
  if (text.includes("\n") || text.includes("\0")) {
    throw new VmforgeError("E_SSH_ARGUMENT", `A ${what} with a newline or NUL byte cannot be sent to the host: ${JSON.stringify(text.slice(0, 120))}.`, {
      exitCode: ExitCode.usage,
      fix: "Rename the file or folder so its name has no newline.",
    });
  }
}

function protocolError(target: SshTarget, error: ProtocolError): VmforgeError {
  return new VmforgeError("E_SSH_PROTOCOL", `${target.text}: the host answered with ${error.message}.`, {
    exitCode: ExitCode.usage,
    why: "vmforge reads the host with a small /bin/sh script; something on the way (a shell profile that prints, or a different shell) changed its answers.",
    fix: "Make the user's shell print nothing for non-interactive sessions (`ssh HOST true` prints nothing), then try again.",
  });
}
