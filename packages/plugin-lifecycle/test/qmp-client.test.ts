import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdtemp } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { itWhen, tool } from "@vmforge/test-support";
import { QmpClient, QmpCommandError, QmpConnectionError } from "../src/qmp-client.js";

type Handler = (message: { execute: string; arguments?: unknown; id?: unknown }, socket: Socket) => void;

/** A QMP server in the test: a greeting, then `handler` for every command. */
async function fakeQmp(handler: Handler, greeting: string | null = JSON.stringify({ QMP: { version: {}, capabilities: ["oob"] } })): Promise<{ path: string; server: Server; received: unknown[] }> {
  const path = join(await mkdtemp(join(tmpdir(), "vmforge-qmp-")), "qmp.sock");
  const received: unknown[] = [];
  const server = createServer((socket) => {
    if (greeting !== null) socket.write(`${greeting}\n`);
    let buffer = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as { execute: string; id?: unknown };
        buffer = buffer.slice(newline + 1);
        received.push(message);
        if (message.execute === "qmp_capabilities") socket.write(`${JSON.stringify({ return: {}, id: message.id })}\n`);
        else handler(message, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  servers.push(server);
  return { path, server, received };
}
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe("the QMP client against a QMP server in the test", () => {
  it("reads the greeting, enters command mode, matches replies by id (out of order) and passes events on", async () => {
    const { path, received } = await fakeQmp((message, socket) => {
      if (message.execute === "slow") setTimeout(() => socket.write(`${JSON.stringify({ return: "slow", id: message.id })}\n`), 20);
      else {
        socket.write(`${JSON.stringify({ event: "RESUME", timestamp: { seconds: 1, microseconds: 2 } })}\n`);
        socket.write(`${JSON.stringify({ return: { status: "running" }, id: message.id })}\n`);
      }
    });
    const client = await QmpClient.connect(path);
    expect(client.greeting).toEqual({ QMP: { version: {}, capabilities: ["oob"] } });
    const events: string[] = [];
    client.onEvent((event) => events.push(event.event));
    const [slow, fast] = await Promise.all([client.execute("slow"), client.execute("query-status")]);
    expect(slow).toBe("slow");
    expect(fast).toEqual({ status: "running" });
    expect(events).toEqual(["RESUME"]);
    expect(received[0]).toEqual({ execute: "qmp_capabilities", id: "vmforge-1" });
    expect(received[2]).toEqual({ execute: "query-status", id: "vmforge-3" });
    client.close();
  });

  it("QEMU's error reply is a QmpCommandError with its class and description", async () => {
    const { path } = await fakeQmp((message, socket) => socket.write(`${JSON.stringify({ error: { class: "CommandNotFound", desc: "The command nope has not been found" }, id: message.id })}\n`));
    const client = await QmpClient.connect(path);
    const error = await client.execute("nope").catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(error).toMatchObject({ command: "nope", errorClass: "CommandNotFound", description: "The command nope has not been found" });
    client.close();
  });

  it("arguments go in `arguments`; waitForEvent resolves on the event and undefined when the connection closes", async () => {
    const { path, received } = await fakeQmp((message, socket) => {
      socket.write(`${JSON.stringify({ return: {}, id: message.id })}\n`);
      socket.write(`${JSON.stringify({ event: "SHUTDOWN", data: { guest: true } })}\n`);
      setTimeout(() => socket.end(), 10);
    });
    const client = await QmpClient.connect(path);
    const shutdown = client.waitForEvent("SHUTDOWN", 5_000);
    await client.execute("system_powerdown", { why: "test" });
    expect((await shutdown)?.data).toEqual({ guest: true });
    expect(received[1]).toEqual({ execute: "system_powerdown", arguments: { why: "test" }, id: "vmforge-2" });
    expect(await client.waitForEvent("NEVER", 5_000)).toBeUndefined();
    await client.whenClosed();
    expect(client.closed).toBe(true);
    await expect(client.execute("query-status")).rejects.toBeInstanceOf(QmpConnectionError);
  });

  it("a command pending when the server hangs up fails instead of hanging", async () => {
    const { path } = await fakeQmp((_, socket) => socket.destroy());
    const client = await QmpClient.connect(path);
    await expect(client.execute("query-status")).rejects.toThrow(/closed the QMP connection/);
  });

  it("no socket, no greeting, or a server that does not speak QMP: a QmpConnectionError", async () => {
    await expect(QmpClient.connect("/nonexistent/qmp.sock")).rejects.toBeInstanceOf(QmpConnectionError);
    const silent = await fakeQmp(() => {}, null);
    await expect(QmpClient.connect(silent.path, { timeoutMs: 200 })).rejects.toThrow(/no QMP greeting/);
    const other = await fakeQmp(() => {}, "SSH-2.0-OpenSSH_9.2");
    await expect(QmpClient.connect(other.path)).rejects.toThrow(/does not speak QMP/);
  });

  it("an answer that never comes times out", async () => {
    const { path } = await fakeQmp(() => {});
    const client = await QmpClient.connect(path);
    await expect(client.execute("query-status", undefined, { timeoutMs: 50 })).rejects.toThrow(/did not answer query-status/);
    client.close();
  });
});

describe("the QMP client against a real QEMU", () => {
  let qemu: ChildProcess | undefined;
  afterEach(() => {
    qemu?.kill("SIGKILL");
    qemu = undefined;
  });

  itWhen(tool("qemu-system-x86_64", "qemu-system-x86"))("-machine none: status, KVM query, an error, and quit with its SHUTDOWN event", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "vmforge-qmp-real-")), "qmp.sock");
    qemu = spawn("qemu-system-x86_64", ["-machine", "none", "-accel", "tcg", "-nodefaults", "-display", "none", "-S", "-chardev", `socket,id=qmp,path=${path},server=on,wait=off`, "-mon", "chardev=qmp,mode=control"], { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => qemu!.once("exit", (code) => resolve(code)));
    let client: QmpClient | undefined;
    for (let attempt = 0; attempt < 200 && !client; attempt++) {
      if (await access(path).then(() => true, () => false)) client = await QmpClient.connect(path).catch(() => undefined);
      if (!client) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(client, "QEMU's QMP socket").toBeDefined();
    expect(client!.greeting).toMatchObject({ QMP: { version: { qemu: { major: expect.any(Number) } } } });
    expect(await client!.execute("query-status")).toMatchObject({ status: "prelaunch", running: false });
    expect(await client!.execute("query-kvm")).toMatchObject({ enabled: false });
    await expect(client!.execute("no-such-command")).rejects.toMatchObject({ errorClass: "CommandNotFound" });
    const shutdown = client!.waitForEvent("SHUTDOWN", 10_000);
    await client!.execute("quit");
    expect(await shutdown).toMatchObject({ event: "SHUTDOWN" });
    await client!.whenClosed();
    expect(await exited).toBe(0);
  });
});
