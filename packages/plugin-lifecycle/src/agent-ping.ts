import { createConnection } from "node:net";

/** True when the guest agent behind the socket answers guest-ping within the time. */
export function guestAgentAnswers(socketPath: string, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let buffer = "";
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
    socket.once("connect", () => socket.write(`${JSON.stringify({ execute: "guest-ping" })}\n`));
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      buffer = (buffer + chunk).slice(-65_536);
      if (buffer.split("\n").some((line) => /^\s*\{\s*"return"/.test(line))) done(true);
    });
  });
}
