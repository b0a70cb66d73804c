import { posix } from "node:path";
import type { EffectTarget, HostEntryKind, ProgramOptions, RunResult, TargetWriteOptions } from "@vmforge/kernel";
import type { Reply } from "./reply-reader.js";
import type { SshSession } from "./ssh-session.js";

const KINDS: Partial<Record<Reply["kind"], HostEntryKind>> = { link: "link", dir: "dir", file: "file", block: "block", other: "other" };

/**
 * The effects of `apply --host`, carried out on that machine through the session's remote
 * script: files written atomically there (a temporary file beside the target, renamed or
 * linked into place), folders made, programs run with an argument vector and no shell.
 */
export class SshEffectTarget implements EffectTarget {
  constructor(private readonly session: SshSession) {}

  get remote(): string {
    return this.session.target.text;
  }

  async writeFile(path: string, data: string | Uint8Array, options: TargetWriteOptions): Promise<void> {
    await this.#put(path, typeof data === "string" ? Buffer.from(data, "utf8") : data, { mode: options.mode ?? 0o644, exclusive: options.exclusive });
  }

  async mkdir(path: string): Promise<void> {
    settle(path, await this.session.mkdir(path));
  }

  async run(file: string, args: string[], options: ProgramOptions): Promise<RunResult> {
    if (options.input !== undefined) throw new Error(`${file} needs input, which a program run over SSH is not given`);
    const environment = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
    const command = environment.length > 0 ? ["env", ...environment, file, ...args] : [file, ...args];
    // The folder is the first argument of a fixed script, never part of it.
    return this.session.run(options.cwd === undefined ? command : ["sh", "-c", 'cd -- "$1" && shift && exec "$@"', "sh", options.cwd, ...command]);
  }

  async inspect(path: string, options: { follow?: boolean } = {}): Promise<HostEntryKind | undefined> {
    const kind = KINDS[(await this.session.request("S", path)).kind];
    if (kind !== "link" || !options.follow) return kind;
    const resolved = await this.session.run(["readlink", "-e", "--", path]);
    const target = resolved.stdout.replace(/\n$/, "");
    return resolved.exitCode === 0 && target.startsWith("/") ? this.inspect(target) : undefined;
  }

  async moveIntoPlace(temporary: string, path: string): Promise<void> {
    if ((await this.inspect(path)) !== undefined) throw exists(path);
    // ln without -f never replaces a file that appeared since.
    const linked = await this.session.run(["ln", "--", temporary, path]);
    if (linked.exitCode !== 0) throw (await this.inspect(path)) !== undefined ? exists(path) : failure(linked.stderr);
    await this.remove(temporary);
  }

  async remove(path: string): Promise<void> {
    const removed = await this.session.run(["rm", "-f", "--", path]);
    if (removed.exitCode !== 0) throw failure(removed.stderr);
  }

  async upload(localPath: string, bytes: number): Promise<void> {
    await this.#put(localPath, { file: localPath, size: bytes }, { mode: 0o644, exclusive: false });
  }

  /** Its folder made, then the file written there (bytes, or a local file streamed). */
  async #put(path: string, data: Uint8Array | { file: string; size: number }, options: { mode: number; exclusive: boolean }): Promise<void> {
    await this.mkdir(posix.dirname(path));
    settle(path, await this.session.writeFile(path, data, options));
  }
}

function settle(path: string, reply: Reply): void {
  if (reply.kind === "ok") return;
  if (reply.kind === "error" && reply.why === "EEXIST") throw exists(path);
  throw failure(reply.kind === "error" ? reply.why : `an unexpected answer (${reply.kind})`);
}

function exists(path: string): Error {
  return Object.assign(new Error(`${path} exists`), { code: "EEXIST" });
}

function failure(said: string): Error {
  const text = said.trim().split("\n").slice(-1)[0] || "it failed without a word";
  return Object.assign(new Error(text), /permission denied|operation not permitted|read-only file system/i.test(text) ? { code: "EACCES" } : {});
}
