import { dirname, resolve } from "node:path";
import { ExitCode, VmforgeError, type Problem, type SchemaLike } from "@vmforge/kernel";
import type { UserVmRequest } from "../contract.js";
import { locatedProblem, type ProblemContext } from "../config-problems.js";
import { requestProblemContext } from "../request-context.js";
import { userFileFault } from "../user-file-check.js";
import { resolveRequestPath } from "./request-path.js";

/** What a located problem says besides where it is. */
export type ProblemFields = Omit<Problem, "file" | "keyPath" | "line" | "column" | "sourceLine">;

export interface FileCheck {
  /** The key that names the file: `["windows", "install_iso"]`. */
  keyPath: PropertyKey[];
  /** The code for "nothing there": `E_WINDOWS_ISO_MISSING`. */
  missingCode: string;
  /** What the file is, for the message: "the Windows installation ISO". */
  what: string;
  /** Larger is refused (a wrong path to a disk device...); default no limit. */
  maxBytes?: number;
}

/**
 * The validated VM description as a guest plugin sees it: its own table typed, paths resolved
 * against the TOML file's folder, problems located at file:line.
 */
export class GuestRequest {
  #context: ProblemContext | undefined;

  constructor(readonly request: UserVmRequest) {}

  /** `vm.guest`. */
  get guest(): string {
    return this.request.vm.guest;
  }

  /** The TOML file, absolute. */
  get file(): string {
    return resolve(this.request.source.path);
  }

  /** The folder relative paths in the TOML start from. */
  get folder(): string {
    return dirname(this.file);
  }

  /**
   * The plugin's own table, typed: the value qemu-setup's loader kept after validating it with
   * the plugin's schema (defaults filled in, transforms applied), never parsed a second time.
   * An absent table is the schema's value for `{}` (its defaults); when the schema needs keys,
   * every missing one is reported, located at `vm.guest`.
   */
  table<T>(name: string, schema: SchemaLike<T>): T {
    if (Object.hasOwn(this.request.extensions, name)) return this.request.extensions[name] as T;
    const result = schema.safeParse({});
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) =>
      this.problem(["vm", "guest"], {
        code: "E_CONFIG_INVALID",
        message: `guest = "${this.guest}" needs a [${name}] table with ${[name, ...issue.path.map(String)].join(".")}: ${issue.message}`,
        expected: `a [${name}] table`,
        fix: `Add the [${name}] table (\`vmforge init\` shows it), or choose another guest.`,
      }),
    );
    throw this.error(problems, { code: "E_CONFIG_INVALID", why: `The guest plugin for guest = "${this.guest}" reads its settings from [${name}].` });
  }

  /** A path the TOML gives, absolute (`~/` = home, relative = beside the TOML file). */
  path(written: string): string {
    return resolveRequestPath(written, this.file);
  }

  /** A problem at the line of `keyPath` in the TOML (or its nearest table), with what was written there. */
  problem(keyPath: readonly PropertyKey[], fields: ProblemFields): Problem {
    this.#context ??= requestProblemContext(this.request);
    return locatedProblem(this.#context, keyPath, fields);
  }

  /**
   * A problem for the file a key names when it is not a readable regular file (missing, a
   * folder, a FIFO, too large); undefined when it is fine. Only stat(2) is called.
   */
  async fileProblem(written: string, check: FileCheck): Promise<Problem | undefined> {
    const path = this.path(written);
    const fault = await userFileFault(path, check.maxBytes ?? Number.MAX_SAFE_INTEGER, check.missingCode);
    if (!fault) return undefined;
    return this.problem(check.keyPath, {
      code: fault.code,
      message: `${check.what}: ${fault.message}`,
      received: fault.code === check.missingCode ? JSON.stringify(written) : `${JSON.stringify(written)} (${fault.received})`,
      expected: `${check.what}: a regular file`,
      fix: fault.fix,
    });
  }

  /** Every problem in one error, exit code 2; the message names the first one's place. */
  error(problems: readonly Problem[], options: { code?: string; why?: string; fix?: string } = {}): VmforgeError {
    const first = problems[0];
    const where = first?.line !== undefined ? `${this.file}:${first.line}` : this.file;
    const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    return new VmforgeError(options.code ?? first?.code ?? "E_CONFIG_INVALID", `${where}: ${count} in the VM description${first ? `: ${first.message}` : ""}.`, {
      exitCode: ExitCode.usage,
      why: options.why ?? "The guest plugin checks what the VM description asks of the guest.",
      fix: options.fix ?? "Fix each problem listed (file:line, key, what is allowed), then run the command again.",
      problems: [...problems],
    });
  }
}
