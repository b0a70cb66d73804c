import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { VM_NAME_PATTERN } from "@vmforge/plugin-qemu-setup/contract";
import { LifecycleCode } from "./error-codes.js";

export interface LifecycleArgs {
  /** Absent only with --dir (the definition names the VM). */
  name: string | undefined;
  libvirt: boolean;
  connect: string | undefined;
  wait: boolean;
  /** Seconds, when given. */
  timeout: number | undefined;
  dir: string | undefined;
  force: boolean;
}

type Flag = "libvirt" | "connect" | "wait" | "timeout" | "dir" | "force";
const VALUED = new Set<string>(["connect", "timeout", "dir"]);
/** The CLI's own options, read by the CLI: skipped here. */
const GLOBAL_VALUED = new Set(["--host-root", "--project"]);
const GLOBAL_SWITCHES = new Set(["--json", "--json-lines", "--quiet", "--no-color"]);

/** The arguments of one lifecycle command; anything it does not take is a usage error naming the usage line. */
export function parseLifecycleArgs(args: readonly string[], allowed: readonly Flag[], usage: string): LifecycleArgs {
  const fail = (message: string): never => {
    throw new VmforgeError(LifecycleCode.usage, message, { exitCode: ExitCode.usage, fix: `Usage: ${usage}` });
  };
  const parsed: LifecycleArgs = { name: undefined, libvirt: false, connect: undefined, wait: false, timeout: undefined, dir: undefined, force: false };
  const positionals: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (GLOBAL_SWITCHES.has(flag)) continue;
    if (GLOBAL_VALUED.has(flag)) {
      if (inline === undefined) index++;
      continue;
    }
    const name = flag.slice(2) as Flag;
    if (!allowed.includes(name)) fail(`${flag} is not an option of this command.`);
    if (VALUED.has(name)) {
      const value = inline ?? args[++index];
      if (value === undefined || value === "") fail(`${flag} needs a value.`);
      if (name === "timeout") {
        const seconds = Number(value);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) fail(`--timeout takes a number of seconds from 1 to 86400, not "${value}".`);
        parsed.timeout = seconds;
      } else if (name === "connect") parsed.connect = value;
      else parsed.dir = value;
    } else {
      if (inline !== undefined) fail(`${flag} takes no value.`);
      if (name === "libvirt") parsed.libvirt = true;
      else if (name === "wait") parsed.wait = true;
      else if (name === "force") parsed.force = true;
    }
  }
  if (positionals.length > 1) fail(`One VM name, not ${positionals.length} (${positionals.join(", ")}).`);
  const [name] = positionals;
  if (name === undefined && parsed.dir === undefined) fail("Which VM? Give its name (or --dir with the folder apply wrote).");
  if (name !== undefined && !VM_NAME_PATTERN.test(name)) fail(`"${name}" is not a VM name (lower-case letters, digits and -).`);
  parsed.name = name;
  if (parsed.connect !== undefined) parsed.libvirt = true;
  return parsed;
}
