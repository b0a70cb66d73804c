import { ExitCode, VmforgeError, type Problem } from "@vmforge/kernel";

/** Stable error codes of this plugin (listed in the README). */
export const LinuxErrorCode = {
  configInvalid: "E_CONFIG_INVALID",
  hostnameDefault: "E_LINUX_HOSTNAME",
  keyFileMissing: "E_LINUX_KEY_FILE_MISSING",
  keyFileInvalid: "E_LINUX_KEY_FILE_INVALID",
  userDataMissing: "E_LINUX_USER_DATA_MISSING",
  userDataSyntax: "E_LINUX_USER_DATA_SYNTAX",
  userDataUnsupported: "E_LINUX_USER_DATA_UNSUPPORTED",
  userDataUnsafe: "E_LINUX_USER_DATA_UNSAFE",
  userDataAmbiguous: "E_LINUX_USER_DATA_AMBIGUOUS",
  userDataConflict: "E_LINUX_USER_DATA_CONFLICT",
  generatedInvalid: "E_LINUX_GENERATED_INVALID",
  seedIso: "E_LINUX_SEED_ISO",
} as const;
export type LinuxErrorCode = (typeof LinuxErrorCode)[keyof typeof LinuxErrorCode];

/** Several problems of the user's files in one error, exit code 2; the message names the first. */
export function linuxConfigError(problems: Problem[], options: { why: string; fix: string }): VmforgeError {
  const first = problems[0]!;
  const where = first.file ? `${first.file}${first.line ? `:${first.line}` : ""}${first.column ? `:${first.column}` : ""}: ` : "";
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length === 2 ? "" : "s"})` : "";
  return new VmforgeError(first.code, `${where}${first.message}${more}`, { exitCode: ExitCode.usage, problems, why: options.why, fix: first.fix ?? options.fix });
}
