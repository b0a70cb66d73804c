import { spawn, type ChildProcess } from "node:child_process";
import { access } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";

/** A paused QEMU and a QMP connection to it. */
export class QmpSession {
  readonly #pending: Array<(reply: Record<string, unknown>) => void> = [];
  #buffer = "";
  stderr = "";

  private constructor(
    readonly child: ChildProcess,
    private readonly socket: Socket,
  ) {
    // A QEMU that dies mid-conversation fails every pending command instead of hanging.
    socket.on("close", () => {
      for (const reject of this.#pending.splice(0)) reject({ error: { class: "Closed", desc: `QMP socket closed; QEMU said:\n${this.stderr}` } });
    });
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      this.#buffer += chunk;
      let newline: number;
      while ((newline = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, newline).trim();
        this.#buffer = this.#buffer.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line) as Record<string, unknown>;
        if ("return" in message || "error" in message) this.#pending.shift()?.(message);
      }
    });
  }

  /** Starts `argv` (paused with -S) and connects to its QMP socket once QEMU creates it. */
  static async start(argv: string[], qmpSocket: string, timeoutMs = 20_000): Promise<QmpSession> {
    const [program, ...args] = argv;
    const child = spawn(program!, [...args, "-S"], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout!.resume();
    let exited: number | null | undefined;
    child.on("exit", (code) => (exited = code));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited !== undefined) throw new Error(`QEMU exited with ${exited} before QMP was up:\n${stderr}`);
      if (await access(qmpSocket).then(() => true, () => false)) {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const connection = createConnection(qmpSocket, () => resolve(connection));
          connection.once("error", reject);
        }).catch(() => undefined);
        if (socket) {
          const session = new QmpSession(child, socket);
          child.stderr!.on("data", (chunk: string) => (session.stderr += chunk));
          session.stderr = stderr;
          await session.execute("qmp_capabilities");
          return session;
        }
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`QMP socket ${qmpSocket} did not appear:\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#pending.push((reply) => ("error" in reply ? reject(new Error(`${command}: ${JSON.stringify(reply.error)}`)) : resolve(reply.return as T)));
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
    });
  }

  hmp(command: string): Promise<string> {
    return this.execute<string>("human-monitor-command", { "command-line": command });
  }

  /** Sends quit and waits for QEMU to exit. */
  async quit(): Promise<number | null> {
    const exit = new Promise<number | null>((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once("exit", (code) => resolve(code));
    });
    await this.execute("quit").catch(() => undefined);
    this.socket.destroy();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  }
}
