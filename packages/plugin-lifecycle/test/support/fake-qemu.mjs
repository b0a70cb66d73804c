#!/usr/bin/env node
// A stand-in for qemu-system-x86_64: writes the -pidfile, answers QMP on the qmp chardev's
// socket, writes FAKE_QEMU_SERIAL (lines separated by "|") to the serial chardev's logfile,
// and exits on system_powerdown (unless FAKE_QEMU_IGNORE_POWERDOWN) or SIGTERM.
// FAKE_QEMU_EXIT=N: print FAKE_QEMU_STDERR and exit at once with N.
// FAKE_QEMU_DIE_AFTER_SERIAL=1: the serial lines come when the first QMP client (start's check)
// hangs up, and then it exits with 1: a guest that dies while booting.
import { createServer } from "node:net";
import { appendFileSync, rmSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const env = process.env;
if (env.FAKE_QEMU_EXIT) {
  process.stderr.write(`${env.FAKE_QEMU_STDERR ?? "qemu-system-x86_64: fake failure"}\n`);
  process.exit(Number(env.FAKE_QEMU_EXIT));
}
const valueAfter = (flag) => args[args.indexOf(flag) + 1];
const option = (text, key) => text.split(",").find((part) => part.startsWith(`${key}=`))?.slice(key.length + 1);
const chardevs = args.flatMap((arg, index) => (args[index - 1] === "-chardev" ? [arg] : []));
const qmp = option(chardevs.find((chardev) => option(chardev, "id") === "qmp") ?? "", "path");
const serialLog = option(chardevs.find((chardev) => option(chardev, "id") === "serial0") ?? "", "logfile");
const pidfile = args.includes("-pidfile") ? valueAfter("-pidfile") : undefined;
if (pidfile) writeFileSync(pidfile, `${process.pid}\n`);
writeFileSync(serialLog, "");
const exit = (code) => {
  if (pidfile) rmSync(pidfile, { force: true });
  process.exit(code);
};
process.on("SIGTERM", () => exit(0));

rmSync(qmp, { force: true });
let clients = 0;
const writeSerial = () => {
  for (const line of (env.FAKE_QEMU_SERIAL ?? "").split("|").filter(Boolean)) appendFileSync(serialLog, `${line}\r\n`);
};
const server = createServer((socket) => {
  if (clients++ === 0 && env.FAKE_QEMU_DIE_AFTER_SERIAL) {
    socket.on("close", () => {
      writeSerial();
      exit(1);
    });
  }
  socket.write(`${JSON.stringify({ QMP: { version: { qemu: { major: 9, minor: 0, micro: 0 } }, capabilities: [] } })}\n`);
  let buffer = "";
  socket.setEncoding("utf8").on("data", (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const { execute, id } = JSON.parse(line);
      const reply = (value) => socket.write(`${JSON.stringify({ return: value, id })}\n`);
      if (execute === "qmp_capabilities") reply({});
      else if (execute === "query-status") reply({ status: "running", running: true });
      else if (execute === "query-kvm") reply({ enabled: false, present: false });
      else if (execute === "system_powerdown") {
        reply({});
        if (!env.FAKE_QEMU_IGNORE_POWERDOWN) {
          socket.write(`${JSON.stringify({ event: "SHUTDOWN", data: { guest: true } })}\n`);
          setImmediate(() => exit(0));
        }
      } else socket.write(`${JSON.stringify({ error: { class: "CommandNotFound", desc: `The command ${execute} has not been found` }, id })}\n`);
    }
  });
});
server.listen(qmp, () => {
  if (!env.FAKE_QEMU_DIE_AFTER_SERIAL) writeSerial();
});
