import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { ExitCode, VmforgeError, type CommandContext } from "@vmforge/kernel";
import { parseLifecycleArgs } from "../args.js";
import { LifecycleCode } from "../error-codes.js";
import { libvirtUri, readState } from "../lifecycle-state.js";
import { runningQemu } from "../qemu-process.js";
import { openVmFolder } from "../vm-folder.js";

export const USAGE = "vmforge console NAME [--libvirt] [--connect URI] [--dir DIR]";
/** Ctrl-], as telnet and virsh console have it. */
const DETACH = 0x1d;

/** `vmforge console NAME`: the terminal on the VM's serial console until Ctrl-] (or the end of stdin). */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const options = parseLifecycleArgs(args, ["libvirt", "connect", "dir"], USAGE);
  const vm = await openVmFolder(ctx, options.name, options.dir);
  const state = await readState(vm);
  if (options.libvirt || state?.mode === "libvirt") {
    const uri = libvirtUri(options.connect, process.env, state);
    return await new Promise<number>((resolve, reject) => {
      const child = spawn("virsh", ["-c", uri, "console", vm.name], { stdio: "inherit" });
      child.once("error", reject);
      child.once("close", (code) => resolve(code ?? ExitCode.failure));
    });
  }
  const found = await runningQemu(vm);
  if (found.pid === undefined) {
    throw new VmforgeError(LifecycleCode.notRunning, `${vm.name} is not running: there is no console to attach to.`, { exitCode: ExitCode.usage, fix: `\`vmforge start ${vm.name}\` first; what the guest wrote last time is in ${vm.definition.serial.log ?? vm.file("serial.log")}.` });
  }
  const path = vm.definition.serial.type === "socket" ? vm.definition.serial.path : null;
  if (!path) {
    throw new VmforgeError(LifecycleCode.consoleUnavailable, `${vm.name}'s serial console is QEMU's stdio (an older definition): only the terminal that started it has it.`, { exitCode: ExitCode.usage, fix: `Run \`vmforge apply\` for ${vm.name} again, then start it with vmforge start.` });
  }
  return attach(path, vm.name, ctx);
}

function attach(path: string, name: string, ctx: CommandContext): Promise<number> {
  const stdin = process.stdin;
  const raw = Boolean(stdin.isTTY);
  return new Promise<number>((resolve) => {
    const socket = createConnection(path);
    let finished = false;
    const finish = (code: number, message?: string): void => {
      if (finished) return;
      finished = true;
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      socket.destroy();
      if (message) ctx.stderr.write(`\r\n${message}\n`);
      resolve(code);
    };
    const onData = (chunk: Buffer): void => {
      const at = chunk.indexOf(DETACH);
      if (at >= 0) {
        if (at > 0) socket.write(chunk.subarray(0, at));
        finish(ExitCode.ok, `Detached from ${name}'s console.`);
      } else socket.write(chunk);
    };
    const onEnd = (): void => finish(ExitCode.ok);
    socket.once("connect", () => {
      ctx.stderr.write(`Connected to ${name}'s serial console${raw ? "; Ctrl-] detaches" : ""}.\n`);
      if (raw) stdin.setRawMode(true);
      stdin.on("data", onData);
      stdin.on("end", onEnd);
      stdin.resume();
    });
    socket.on("data", (chunk: Buffer) => ctx.stdout.write(chunk));
    socket.once("error", (error) => finish(ExitCode.failure, `The console of ${name} failed: ${error.message}`));
    socket.once("close", () => finish(ExitCode.ok, `The console of ${name} closed (QEMU exited).`));
  });
}
