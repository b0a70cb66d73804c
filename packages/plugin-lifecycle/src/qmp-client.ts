import { createConnection, type Socket } from "node:net";

export interface QmpEvent {
  event: string;
  data?: unknown;
  timestamp?: { seconds: number; microseconds: number };
}

/** A QMP command QEMU answered with an error. */
export class QmpCommandError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly description: string,
  ) {
    super(`${command}: ${errorClass}: ${description}`);
  }
}

/** The connection failed, closed, or QEMU did not answer in time. */
export class QmpConnectionError extends Error {}

/** One line of QMP is never longer than this (query replies of a large VM are a few hundred KiB). */
const MAX_LINE = 8 * 1024 * 1024;

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A QMP client over a unix socket: JSON objects one a line; the greeting, then
 * `qmp_capabilities`, then commands matched to replies by id, and events as they come.
 */
export class QmpClient {
  readonly greeting: Record<string, unknown>;
  readonly #socket: Socket;
  readonly #pending = new Map<string, Pending>();
  readonly #eventHandlers = new Set<(event: QmpEvent) => void>();
  readonly #closedHandlers = new Set<() => void>();
  #nextId = 1;
  #closed = false;
  #closeReason = "the QMP connection closed";

  private constructor(socket: Socket, greeting: Record<string, unknown>, rest: LineReader) {
    this.#socket = socket;
    this.greeting = greeting;
    rest.onLine = (line) => this.#receive(line);
    rest.onError = (error) => this.#close(error.message);
    socket.on("close", () => this.#close("QEMU closed the QMP connection"));
    socket.on("error", (error) => this.#close(`the QMP connection failed: ${error.message}`));
  }

  /** Connects, reads the greeting and enters command mode; everything within `timeoutMs`. */
  static async connect(path: string, options: { timeoutMs?: number } = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const socket = createConnection(path);
    const reader = new LineReader(socket);
    const greeting = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => fail(new QmpConnectionError(`QEMU sent no QMP greeting on ${path} within ${timeoutMs / 1000} s.`)), timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once("error", (error) => fail(new QmpConnectionError(`Cannot connect to the QMP socket ${path}: ${error.message}`)));
      socket.once("close", () => fail(new QmpConnectionError(`The QMP socket ${path} closed before the greeting.`)));
      reader.onError = fail;
      reader.onLine = (line) => {
        const message = parseMessage(line);
        if (!message || typeof message.QMP !== "object") return fail(new QmpConnectionError(`${path} does not speak QMP: its first line was ${line.slice(0, 200)}`));
        clearTimeout(timer);
        socket.removeAllListeners("error").removeAllListeners("close");
        resolve(message);
      };
    });
    const client = new QmpClient(socket, greeting, reader);
    try {
      await client.execute("qmp_capabilities", undefined, { timeoutMs });
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs a command; its `return`, or a QmpCommandError with QEMU's class and description. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new QmpConnectionError(`${command}: ${this.#closeReason}.`));
    const id = `vmforge-${this.#nextId++}`;
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new QmpConnectionError(`QEMU did not answer ${command} within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      this.#pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      this.#socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  onEvent(handler: (event: QmpEvent) => void): () => void {
    this.#eventHandlers.add(handler);
    return () => void this.#eventHandlers.delete(handler);
  }

  /** The first event named `name`, or undefined when the connection closes or the time is up. */
  waitForEvent(name: string, timeoutMs: number): Promise<QmpEvent | undefined> {
    return new Promise((resolve) => {
      const done = (event: QmpEvent | undefined): void => {
        clearTimeout(timer);
        off();
        this.#closedHandlers.delete(onClose);
        resolve(event);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const off = this.onEvent((event) => event.event === name && done(event));
      const onClose = (): void => done(undefined);
      if (this.#closed) done(undefined);
      else this.#closedHandlers.add(onClose);
    });
  }

  /** Resolves when the connection closes (QEMU exited or hung up). */
  whenClosed(): Promise<void> {
    return new Promise((resolve) => (this.#closed ? resolve() : this.#closedHandlers.add(resolve)));
  }

  close(): void {
    this.#socket.destroy();
    this.#close("the client closed the connection");
  }

  #receive(line: string): void {
    const message = parseMessage(line);
    if (!message) return;
    if (typeof message.event === "string") {
      for (const handler of this.#eventHandlers) handler(message as unknown as QmpEvent);
      return;
    }
    const id = typeof message.id === "string" ? message.id : undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending || id === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if ("error" in message) {
      const error = (message.error ?? {}) as { class?: string; desc?: string };
      pending.reject(new QmpCommandError(pending.command, String(error.class ?? "GenericError"), String(error.desc ?? "")));
    } else pending.resolve(message.return);
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new QmpConnectionError(`${pending.command}: ${reason}.`));
    }
    this.#pending.clear();
    for (const handler of this.#closedHandlers) handler();
    this.#closedHandlers.clear();
  }
}

function parseMessage(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a socket's bytes into lines, refusing a line longer than MAX_LINE. */
class LineReader {
  onLine: (line: string) => void = () => {};
  onError: (error: Error) => void = () => {};
  #buffer = "";

  constructor(socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let newline: number;
      while ((newline = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, newline).trim();
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line) this.onLine(line);
      }
      if (this.#buffer.length > MAX_LINE) {
        this.#buffer = "";
        socket.destroy();
        this.onError(new QmpConnectionError(`A QMP message longer than ${MAX_LINE} bytes.`));
      }
    });
  }
}
