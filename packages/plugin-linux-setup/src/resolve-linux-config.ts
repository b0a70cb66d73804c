import { ExitCode, VmforgeError, problemsFromIssues, type Problem } from "@vmforge/kernel";
import { locateTomlKey } from "@vmforge/plugin-qemu-setup";
import { resolveRequestPath as resolveUserPath } from "@vmforge/plugin-qemu-setup/guest";
import { linuxTableSchema, type LinuxTable, type LinuxUserTable } from "./config-schema.js";
import type { LinuxConfig, LinuxUserConfig } from "./contract.js";
import { LinuxErrorCode, linuxConfigError } from "./errors.js";
import { HOSTNAME_HINT, isValidHostname, splitHostname } from "./hostname.js";
import { LinuxFileLimits, readLinuxFile } from "./linux-files.js";
import { keysOfAuthorizedKeysText, sshKeyProblem } from "./ssh-keys.js";
import { parseUserDataFile } from "./user-data-file.js";

export interface LinuxConfigSource {
  /** The [linux] table (validated by the qemu-setup loader, checked again here); undefined = none. */
  table: unknown;
  vmName: string;
  /** The TOML file: relative paths in the table are beside it. */
  tomlPath: string;
  tomlText: string;
  /** Told of every file the table names as it is read (the kernel's `ctx.recordInput`). */
  recordInput?: (path: string, what: string) => Promise<void>;
}

/** The [linux] table -> the resolved config: defaults applied, key files and user_data_file read. */
export async function resolveLinuxConfig(source: LinuxConfigSource): Promise<LinuxConfig> {
  const table = checkTable(source);
  const problems: Problem[] = [];

  const name = table.hostname ?? source.vmName;
  if (!isValidHostname(name)) {
    problems.push({
      code: LinuxErrorCode.hostnameDefault,
      message: `the host name defaults to vm.name "${source.vmName}", which is not a valid host name`,
      file: source.tomlPath,
      keyPath: "linux.hostname",
      expected: HOSTNAME_HINT,
      fix: 'Set [linux] hostname = "..." (or rename the VM without a trailing hyphen).',
      ...locateTomlKey(source.tomlText, ["vm", "name"]),
    });
  }

  const users: LinuxUserConfig[] = [];
  for (const [index, user] of table.users.entries()) users.push(await resolveUser(user, index, source, problems));

  let userData: LinuxConfig["userData"] = null;
  if (table.user_data_file !== undefined) userData = await readUserData(table.user_data_file, source, problems);

  if (problems.length > 0) {
    throw linuxConfigError(problems, {
      why: "Files named in the [linux] table are read while planning, so the seed ISO holds exactly what they say.",
      fix: "Fix each problem listed (file:line), then run the command again.",
    });
  }
  const { hostname, fqdn } = splitHostname(name);
  return {
    hostname,
    fqdn,
    timezone: table.timezone ?? null,
    packages: table.packages,
    runcmd: table.runcmd,
    users,
    userData,
  };
}

function checkTable(source: LinuxConfigSource): LinuxTable {
  const result = linuxTableSchema.safeParse(source.table ?? {});
  if (result.success) return result.data;
  const problems = problemsFromIssues(result.error.issues, { file: source.tomlPath, prefix: ["linux"], code: LinuxErrorCode.configInvalid });
  throw new VmforgeError(LinuxErrorCode.configInvalid, `${source.tomlPath}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in [linux].`, {
    exitCode: ExitCode.usage,
    problems,
    why: "The [linux] table does not match what @vmforge/plugin-linux-setup accepts.",
    fix: "Fix each problem listed (key, what is allowed), then run the command again.",
  });
}

async function resolveUser(user: LinuxUserTable, index: number, source: LinuxConfigSource, problems: Problem[]): Promise<LinuxUserConfig> {
  const keys = [...user.ssh_authorized_keys];
  if (user.ssh_authorized_keys_file !== undefined) keys.push(...(await readKeyFile(user.ssh_authorized_keys_file, index, source, problems)));
  return {
    name: user.name,
    sudo: user.sudo,
    shell: user.shell ?? null,
    groups: user.groups,
    gecos: user.gecos ?? null,
    sshAuthorizedKeys: [...new Set(keys)],
    passwordHash: user.password_hash ?? null,
  };
}

async function readKeyFile(given: string, index: number, source: LinuxConfigSource, problems: Problem[]): Promise<string[]> {
  const path = resolveUserPath(given, source.tomlPath);
  const keyPath = `linux.users[${index}].ssh_authorized_keys_file`;
  await source.recordInput?.(path, `${keyPath} (the ssh key file)`);
  const read = await readLinuxFile(path, LinuxFileLimits.keyFile, "the ssh key file");
  if (!read.ok) {
    problems.push({
      code: LinuxErrorCode.keyFileMissing,
      file: source.tomlPath,
      keyPath,
      ...locateTomlKey(source.tomlText, ["linux", "users", index, "ssh_authorized_keys_file"]),
      ...read.problem,
      ...(read.fault === "missing" ? { fix: `Create ${path} (e.g. copy ~/.ssh/id_ed25519.pub), or correct the path; a relative path is taken from the TOML file's folder.` } : {}),
    });
    return [];
  }
  const entries = keysOfAuthorizedKeysText(read.text);
  if (entries.length === 0) {
    problems.push({ code: LinuxErrorCode.keyFileInvalid, message: `the ssh key file ${path} holds no key`, file: path, keyPath, fix: "Put one public key a line in it (the contents of a .pub file)." });
  }
  for (const { key, line } of entries) {
    const problem = sshKeyProblem(key);
    if (problem) problems.push({ code: LinuxErrorCode.keyFileInvalid, message: `line ${line} ${problem}`, file: path, line, keyPath, fix: "Keep only public keys in the file (one a line; # starts a comment)." });
  }
  return entries.filter(({ key }) => sshKeyProblem(key) === undefined).map(({ key }) => key);
}

async function readUserData(given: string, source: LinuxConfigSource, problems: Problem[]): Promise<LinuxConfig["userData"]> {
  const file = resolveUserPath(given, source.tomlPath);
  await source.recordInput?.(file, "linux.user_data_file");
  const read = await readLinuxFile(file, LinuxFileLimits.userData, "user_data_file");
  if (!read.ok) {
    problems.push({
      code: LinuxErrorCode.userDataMissing,
      file: source.tomlPath,
      keyPath: "linux.user_data_file",
      ...locateTomlKey(source.tomlText, ["linux", "user_data_file"]),
      ...read.problem,
    });
    return null;
  }
  const parsed = parseUserDataFile(file, read.text);
  if (!parsed.ok) {
    problems.push(...parsed.problems);
    return null;
  }
  return { file, config: parsed.value.config, keyLines: parsed.value.keyLines };
}
