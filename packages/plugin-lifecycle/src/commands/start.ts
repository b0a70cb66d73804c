import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, open, readFile, rm } from "node:fs/promises";
import { ExitCode, VmforgeError, type CommandContext } from "@vmforge/kernel";
import { parseLifecycleArgs } from "../args.js";
import { LifecycleCode } from "../error-codes.js";
import { guestAgentAnswers } from "../agent-ping.js";
import { tailLines } from "../console-readiness.js";
import { libvirtUri, readState, writeState } from "../lifecycle-state.js";
import { PID_FILE, readPidFile, removePidFile, runningQemu } from "../qemu-process.js";
import { qmpFacts, type QmpFacts } from "../qemu-status.js";
import { ProgressLine } from "../progress-line.js";
import { domainState, virshOrFail } from "../virsh.js";
import { openVmFolder, refusePlannedOnly, type VmFolder } from "../vm-folder.js";
import { waitUntilReady, type WaitOutcome } from "../wait-ready.js";

export const USAGE = "vmforge start NAME [--libvirt] [--connect URI] [--wait] [--timeout SECONDS] [--dir DIR] [--json]";
/** TCG boots of a cloud image take minutes on a small machine. */
export const DEFAULT_WAIT_SECONDS = 900;
/** How long QEMU may take to open its QMP socket. */
const QMP_UP_MS = 60_000;
export const QEMU_LOG = "qemu.log";
export const SERIAL_LOG = "serial.log";

interface Started {
  mode: "qemu" | "libvirt";
  pid?: number;
  uri?: string;
  qmp?: QmpFacts;
  gone(): Promise<string | undefined>;
}

/** `vmforge start NAME`: runs the VM apply made, through launch.sh (QEMU directly) or libvirt. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const options = parseLifecycleArgs(args, ["libvirt", "connect", "wait", "timeout", "dir"], USAGE);
  const vm = await openVmFolder(ctx, options.name, options.dir);
  if (vm.appliedOn !== undefined) refuseHereForRemote(vm, options.libvirt ? libvirtUri(options.connect, process.env) : undefined, options.wait === true);
  const direct = await runningQemu(vm);
  if (direct.pid !== undefined) throw alreadyRunning(vm, `its QEMU runs as pid ${direct.pid}`);
  if (direct.stalePid !== undefined) await removePidFile(vm);
  const last = await readState(vm);
  if (!options.libvirt && last?.mode === "libvirt" && last.uri) {
    // Started through libvirt last time: the same disks must not get a second QEMU.
    const domain = await domainState(last.uri, vm.name).catch(() => undefined);
    if (domain !== undefined && !["shut off", "crashed"].includes(domain)) throw alreadyRunning(vm, `libvirt (${last.uri}) has it ${domain}`);
  }

  const serialLog = vm.definition.serial.log ?? vm.file(SERIAL_LOG);
  const started = options.libvirt ? await startWithLibvirt(vm, libvirtUri(options.connect, process.env)) : await startQemu(vm);
  const accelerator = started.qmp?.accelerator ?? vm.definition.accelerator.type;
  const fellBack = started.mode === "qemu" && vm.definition.accelerator.type === "kvm" && started.qmp?.accelerator === "tcg";
  const report: Record<string, unknown> = {
    vm: vm.name,
    started: true,
    mode: started.mode,
    ...(started.uri ? { uri: started.uri } : {}),
    ...(started.pid ? { pid: started.pid } : {}),
    accelerator,
    ...(started.qmp ? { status: started.qmp.status } : {}),
    runDir: vm.runDir,
    serialLog,
    ...(started.mode === "qemu" ? { qemuLog: vm.file(QEMU_LOG) } : {}),
  };
  const say = (line: string): void => void (ctx.json ? ctx.stderr : ctx.stdout).write(`${line}\n`);
  const how = started.mode === "qemu" ? `QEMU pid ${started.pid ?? "?"}` : `libvirt ${started.uri}`;
  say(`Started ${vm.name} (${how}, ${accelerator.toUpperCase()}${fellBack ? ": /dev/kvm was not usable, see qemu.log" : ""}). Serial log: ${serialLog}`);

  if (options.wait) {
    const timeoutSeconds = options.timeout ?? DEFAULT_WAIT_SECONDS;
    const agent = started.mode === "qemu" && vm.definition.guestAgent && vm.definition.guest !== "linux" ? vm.definition.guestAgent.socket : undefined;
    const progress = new ProgressLine(ctx.stderr, vm.name);
    let outcome: WaitOutcome;
    try {
      outcome = await waitUntilReady({
        logPath: serialLog,
        timeoutMs: timeoutSeconds * 1000,
        gone: started.gone,
        ...(agent ? { agentAnswers: () => guestAgentAnswers(agent) } : {}),
        onProgress: (seconds, line) => progress.update(seconds, line),
      });
    } finally {
      progress.end();
    }
    report.ready = outcome.state === "ready";
    if (outcome.state !== "ready") throw waitFailure(vm, outcome, serialLog, timeoutSeconds, started.mode === "qemu" ? vm.file(QEMU_LOG) : undefined);
    report.readyAfterSeconds = outcome.seconds;
    report.readyBy = outcome.how;
    report.readyLine = outcome.line;
    say(`${vm.name} is ready after ${outcome.seconds} s (${outcome.how === "console" ? outcome.line : "the guest agent answers"}).`);
  } else if (!ctx.json) {
    say(`Console: vmforge console ${vm.name}; stop: vmforge stop ${vm.name}; wait for the guest: vmforge start ${vm.name} --wait next time.`);
  }
  if (ctx.json) ctx.stdout.write(`${JSON.stringify(report)}\n`);
  return ExitCode.ok;
}

/**
 * A VM apply set up on another machine (`apply --host`) starts there, through that machine's
 * libvirt (`--connect qemu+ssh://...`): its disks are not here, so no QEMU of this machine runs
 * it, and its serial log is there, so `--wait` cannot watch it from here.
 */
function refuseHereForRemote(vm: VmFolder, uri: string | undefined, wait: boolean): void {
  const host = vm.appliedOn!;
  const hostName = host.replace(/^ssh:\/\//, "");
  const fix = `Start it with that machine's libvirt: \`vmforge start ${vm.name} --libvirt --connect qemu+ssh://${hostName}/system\` (or run \`vmforge start ${vm.name}\` on that machine).`;
  const refuse = (why: string): never => {
    throw new VmforgeError(LifecycleCode.remoteVm, `${vm.name} was set up on ${host} (apply --host): ${why}.`, { exitCode: ExitCode.usage, fix });
  };
  if (uri === undefined) refuse("its disks are there, so no QEMU of this machine can run it");
  if (!/^[a-z0-9+.-]+:\/\/[^/]/i.test(uri!)) refuse(`${uri} is this machine's libvirt, which does not have its disks`);
  if (wait) refuse("its serial log is there, so --wait cannot follow the boot from here");
}

function alreadyRunning(vm: VmFolder, how: string): VmforgeError {
  return new VmforgeError(LifecycleCode.alreadyRunning, `${vm.name} is already running: ${how}.`, {
    exitCode: ExitCode.usage,
    fix: `\`vmforge status ${vm.name}\` shows it; \`vmforge stop ${vm.name}\` stops it; \`vmforge console ${vm.name}\` attaches to it.`,
  });
}

/** launch.sh, detached in its own session, QEMU's output in qemu.log; started once QMP answers. */
async function startQemu(vm: VmFolder): Promise<Started> {
  if (vm.definition.serial.type !== "socket" || !vm.definition.serial.log) {
    throw new VmforgeError(LifecycleCode.oldDefinition, `${vm.name} was applied by an older vmforge whose serial console is QEMU's stdio: it cannot run in the background with a console log.`, {
      exitCode: ExitCode.usage,
      fix: `Run \`vmforge apply FILE.toml\` for ${vm.name} again (the disks are kept), then start it; or run ${vm.file("launch.sh")} in a terminal yourself.`,
    });
  }
  const launcher = vm.file("launch.sh");
  await refusePlannedOnly(vm, [launcher]);
  // QEMU opens the pid file and the serial log following symlinks: files planted there must go
  // first (unlinking removes a link, never its target). qemu.log is never opened through one.
  await removePidFile(vm);
  await rm(vm.definition.serial.log, { force: true });
  const log = await openLogFile(vm.file(QEMU_LOG));
  let exited: string | undefined;
  let pid: number | undefined;
  try {
    const child = spawn("/bin/sh", [launcher, "-pidfile", vm.file(PID_FILE)], { cwd: vm.runDir, detached: true, stdio: ["ignore", log.fd, log.fd] });
    child.once("error", (error) => (exited = `it could not be run: ${error.message}`));
    child.once("exit", (code, signal) => (exited = signal ? `QEMU was killed by ${signal}` : `QEMU exited with code ${code}`));
    pid = child.pid;
    const deadline = Date.now() + QMP_UP_MS;
    let facts: QmpFacts | undefined;
    while (!facts) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (exited !== undefined) throw await qemuExited(vm, exited);
      facts = await qmpFacts(vm, 2_000);
      if (!facts && Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new VmforgeError(LifecycleCode.qmpTimeout, `${vm.name}'s QEMU did not answer on its QMP socket ${vm.definition.qmpSocket} within ${QMP_UP_MS / 1000} s; it was killed.`, {
          why: await logTail(vm.file(QEMU_LOG), "qemu.log"),
          fix: `Look at ${vm.file(QEMU_LOG)}; run ${launcher} in a terminal to see QEMU's messages as they come.`,
        });
      }
    }
    child.removeAllListeners("exit");
    child.unref();
    pid = (await readPidFile(vm)) ?? pid;
    await writeState(vm, { mode: "qemu", startedAt: new Date().toISOString() });
    const knownPid = pid;
    return {
      mode: "qemu",
      ...(knownPid ? { pid: knownPid } : {}),
      qmp: facts,
      gone: async () => {
        const now = await runningQemu(vm);
        return now.pid === undefined ? "QEMU exited" : undefined;
      },
    };
  } finally {
    await log.close();
  }
}

async function openLogFile(path: string) {
  try {
    return await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VmforgeError(LifecycleCode.definitionInvalid, `${path} cannot be written${code === "ELOOP" ? ": it is a symbolic link" : code === "ENXIO" ? ": it is a named pipe" : `: ${(error as Error).message}`}.`, {
      exitCode: ExitCode.usage,
      fix: `Remove ${path}; vmforge start writes QEMU's output there.`,
    });
  }
}

async function qemuExited(vm: VmFolder, how: string): Promise<VmforgeError> {
  return new VmforgeError(LifecycleCode.qemuExited, `${vm.name} did not start: ${how}.`, {
    why: await logTail(vm.file(QEMU_LOG), "qemu.log"),
    fix: `QEMU's own message above says why; ${vm.file(QEMU_LOG)} has all of it. A changed host (a file or device gone) needs \`vmforge apply\` again.`,
  });
}

/** `virsh define domain.xml`, then `virsh start NAME`. */
async function startWithLibvirt(vm: VmFolder, uri: string): Promise<Started> {
  const domainXml = vm.file("domain.xml");
  if (!(await access(domainXml).then(() => true, () => false))) {
    throw new VmforgeError(LifecycleCode.noDomainXml, `${vm.name} has no domain.xml in ${vm.runDir}: apply wrote none for libvirt.`, {
      exitCode: ExitCode.usage,
      fix: "Add `[output]\\nlibvirt_xml = true` to the VM description (or run apply with --with qemu_setup:generate_libvirt_xml), apply again, then start with --libvirt.",
    });
  }
  // A VM set up on another machine has its disks there; libvirt there checks them.
  if (vm.appliedOn === undefined) await refusePlannedOnly(vm, [domainXml]);
  const state = await domainState(uri, vm.name);
  if (state !== undefined && !["shut off", "crashed"].includes(state)) throw alreadyRunning(vm, `libvirt (${uri}) has it ${state}`);
  if (vm.appliedOn === undefined) await rm(vm.definition.serial.log ?? vm.file(SERIAL_LOG), { force: true });
  await virshOrFail(uri, ["define", domainXml], `Defining ${vm.name} in libvirt`);
  await virshOrFail(uri, ["start", vm.name], `Starting ${vm.name} with libvirt`);
  await writeState(vm, { mode: "libvirt", uri, startedAt: new Date().toISOString() });
  return {
    mode: "libvirt",
    uri,
    gone: async () => {
      const now = await domainState(uri, vm.name);
      return now === "running" || now === "paused" || now === "in shutdown" ? undefined : `libvirt has the domain ${now ?? "undefined"}`;
    },
  };
}

function waitFailure(vm: VmFolder, outcome: Exclude<WaitOutcome, { state: "ready" }>, serialLog: string, timeoutSeconds: number, qemuLog: string | undefined): VmforgeError {
  const tail = outcome.tail.length > 0 ? `The last ${outcome.tail.length} lines of ${serialLog}:\n${outcome.tail.join("\n")}` : `${serialLog} is empty: the guest wrote nothing to its serial console.`;
  const stillRuns = `${vm.name} still runs: \`vmforge console ${vm.name}\` to look, \`vmforge stop ${vm.name}\` to stop it.`;
  switch (outcome.state) {
    case "failed":
      return new VmforgeError(LifecycleCode.guestFailed, `${vm.name} did not come up: ${outcome.reason} ("${outcome.line}", after ${outcome.seconds} s).`, { why: tail, fix: stillRuns });
    case "exited":
      return new VmforgeError(LifecycleCode.qemuExited, `${vm.name} stopped while booting (${outcome.reason}, after ${outcome.seconds} s).`, {
        why: tail,
        fix: qemuLog ? `QEMU's own messages are in ${qemuLog}.` : "libvirt's log of the domain (/var/log/libvirt/qemu/NAME.log) says why.",
      });
    case "timeout":
      return new VmforgeError(LifecycleCode.waitTimeout, `${vm.name} was not ready within ${timeoutSeconds} s: cloud-init's final message did not appear on the serial console${vm.definition.guestAgent ? " and the guest agent did not answer" : ""}.`, {
        why: tail,
        fix: `${stillRuns} A slow host (TCG) may need a longer --timeout; a guest without cloud-init never prints the message.`,
      });
  }
}

async function logTail(path: string, what: string): Promise<string> {
  try {
    const text = (await readFile(path)).subarray(-65_536).toString("utf8");
    const tail = tailLines(text, 20);
    return tail.length > 0 ? `${what} ends with:\n${tail.join("\n")}` : `${what} is empty.`;
  } catch {
    return `${what} could not be read.`;
  }
}
