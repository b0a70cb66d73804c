import { execFileSync } from "node:child_process";
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { ReadLimits, type Problem } from "@vmforge/kernel";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { resolveLinuxConfig } from "../src/resolve-linux-config.js";
import { tempDir } from "./support/tools.js";

/*
 * Files a [linux] table names are the user's: a FIFO would block the run forever, a device
 * would be read until memory runs out. Each is refused with its key, line and what it is,
 * all in one error, within a few seconds.
 */

const FAST = 5_000;
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";
const mkfifo = (path: string) => execFileSync("mkfifo", [path]);
const pick = (problems: Problem[]) => problems.map(({ code, keyPath, line, received }) => ({ code, keyPath, line, received }));

async function refusal(table: Record<string, unknown>, tomlText: string, dir: string) {
  try {
    await resolveLinuxConfig({ table, vmName: "web-1", tomlPath: join(dir, "vm.toml"), tomlText });
  } catch (error) {
    return error as import("@vmforge/kernel").VmforgeError;
  }
  throw new Error("accepted");
}

describe("files named in [linux] are read only as regular files with a size limit", () => {
  it("a FIFO as user_data_file and as a key file, /dev/zero as another key file: every one named at once", async () => {
    const dir = await tempDir();
    mkfifo(join(dir, "extra.yaml"));
    mkfifo(join(dir, "keys.pub"));
    const tomlText = [
      "[linux]", // 1
      'user_data_file = "extra.yaml"', // 2
      "[[linux.users]]", // 3
      'name = "dev"', // 4
      'ssh_authorized_keys_file = "keys.pub"', // 5
      "[[linux.users]]", // 6
      'name = "ops"', // 7
      'ssh_authorized_keys_file = "/dev/zero"', // 8
    ].join("\n");
    const error = await refusal(
      { user_data_file: "extra.yaml", users: [{ name: "dev", ssh_authorized_keys_file: "keys.pub" }, { name: "ops", ssh_authorized_keys_file: "/dev/zero" }] },
      tomlText,
      dir,
    );
    expect(error.exitCode).toBe(2);
    expect(pick(error.problems)).toEqual([
      { code: "E_LINUX_KEY_FILE_MISSING", keyPath: "linux.users[0].ssh_authorized_keys_file", line: 5, received: "a named pipe (FIFO)" },
      { code: "E_LINUX_KEY_FILE_MISSING", keyPath: "linux.users[1].ssh_authorized_keys_file", line: 8, received: "a character device" },
      { code: "E_LINUX_USER_DATA_MISSING", keyPath: "linux.user_data_file", line: 2, received: "a named pipe (FIFO)" },
    ]);
    for (const problem of error.problems) expect(problem).toMatchObject({ file: join(dir, "vm.toml"), expected: expect.stringMatching(/^a regular file of at most (64 KiB|1 MiB)$/), fix: expect.any(String) });
  }, FAST);

  it("a user_data_file over 1 MiB and a key file over 64 KiB are refused unread", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "extra.yaml"), "#cloud-config\n");
    await truncate(join(dir, "extra.yaml"), ReadLimits.document + 1);
    await writeFile(join(dir, "keys.pub"), `${KEY}\n`);
    await truncate(join(dir, "keys.pub"), ReadLimits.key + 1);
    const tomlText = '[linux]\nuser_data_file = "extra.yaml"\n[[linux.users]]\nname = "dev"\nssh_authorized_keys_file = "keys.pub"\n';
    const error = await refusal({ user_data_file: "extra.yaml", users: [{ name: "dev", ssh_authorized_keys_file: "keys.pub" }] }, tomlText, dir);
    expect(pick(error.problems)).toEqual([
      { code: "E_LINUX_KEY_FILE_MISSING", keyPath: "linux.users[0].ssh_authorized_keys_file", line: 5, received: "more than 64 KiB" },
      { code: "E_LINUX_USER_DATA_MISSING", keyPath: "linux.user_data_file", line: 2, received: "more than 1 MiB" },
    ]);
  }, FAST);

  it("regular files within the limits are read as before", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "extra.yaml"), "#cloud-config\npackages: [curl]\n");
    await writeFile(join(dir, "keys.pub"), `# mine\n${KEY}\n`);
    const config = await resolveLinuxConfig({
      table: { user_data_file: "extra.yaml", users: [{ name: "dev", ssh_authorized_keys_file: "keys.pub" }] },
      vmName: "web-1",
      tomlPath: join(dir, "vm.toml"),
      tomlText: "",
    });
    expect(config.users[0]!.sshAuthorizedKeys).toEqual([KEY]);
    expect(config.userData?.config).toEqual({ packages: ["curl"] });
  });

  it("through the real CLI: plan of a Linux guest whose user_data_file is a FIFO ends at once with exit 2", async () => {
    const dir = await tempDir();
    mkfifo(join(dir, "extra.yaml"));
    const config = join(dir, "vm.toml");
    await writeFile(config, '[vm]\nname = "fifo-guest"\nguest = "linux"\n[linux]\nuser_data_file = "extra.yaml"\n');
    const result = await execa("node", [join(repoRoot, "packages/cli/dist/bin.js"), "plan", config, "--host-root", join(examplesDir, "hosts", "z370-gt1030"), "--out", join(dir, "out")], {
      cwd: repoRoot,
      env: { VMFORGE_DATA_HOME: join(dir, "data"), VMFORGE_CONFIG_HOME: join(dir, "config"), NO_COLOR: "1" },
      reject: false,
      timeout: 20_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_LINUX_USER_DATA_MISSING");
    expect(result.stderr).toContain(`${config}:5:1  linux.user_data_file`);
    expect(result.stderr).toContain("a named pipe (FIFO)");
  });
});
