import { spawn } from "node:child_process";
import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { LifecycleCode } from "./error-codes.js";

export interface VirshResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The program run for `virsh`; tests put a stand-in first on PATH. */
export const VIRSH = "virsh";

/** `virsh -c URI ARGS...`, its output collected (bounded), never through a shell. */
export function virsh(uri: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<VirshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(VIRSH, ["-c", uri, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout = (stdout + chunk).slice(-65_536)));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-65_536)));
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(new VmforgeError(LifecycleCode.virsh, "virsh is not installed: --libvirt runs the VM through it.", { exitCode: ExitCode.hostUnfit, fix: "Install libvirt's client (Debian/Ubuntu: `apt install libvirt-clients`), or start the VM without --libvirt." }));
      } else reject(error);
    });
    child.once("close", (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

/** Runs virsh and throws its own words when it fails. */
export async function virshOrFail(uri: string, args: readonly string[], what: string, env?: NodeJS.ProcessEnv): Promise<VirshResult> {
  const result = await virsh(uri, args, env);
  if (result.exitCode !== 0) {
    const said = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`).replace(/^error:\s*/gm, "");
    throw new VmforgeError(LifecycleCode.virsh, `${what} failed: virsh -c ${uri} ${args.join(" ")} said: ${said}`, {
      why: uri === "qemu:///system" ? "qemu:///system needs a running libvirtd (or virtqemud) and, for most users, root or the libvirt group." : undefined,
      fix: "Check the libvirt daemon and the URI (--connect URI, or LIBVIRT_DEFAULT_URI); `virsh -c URI list --all` shows what it has.",
    });
  }
  return result;
}

/** `virsh domstate NAME`: "running", "shut off", "paused"...; undefined when the domain is not defined there. */
export async function domainState(uri: string, name: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await virsh(uri, ["domstate", name], env);
  if (result.exitCode !== 0) {
    if (/failed to get domain|Domain not found|no domain with matching name/i.test(result.stderr)) return undefined;
    const said = (result.stderr.trim() || `exit code ${result.exitCode}`).replace(/^error:\s*/gm, "");
    throw new VmforgeError(LifecycleCode.virsh, `virsh -c ${uri} domstate ${name} failed: ${said}`, { fix: "Check the libvirt daemon and the URI (--connect URI, or LIBVIRT_DEFAULT_URI)." });
  }
  return result.stdout.trim().split("\n")[0]?.trim();
}
