import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Kernel, type VmforgeError } from "@vmforge/kernel";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as linuxSetupPlugin } from "../src/plugin.js";
import { resolveLinuxConfig } from "../src/resolve-linux-config.js";
import { parseUserDataFile } from "../src/user-data-file.js";
import { examplesDir } from "@vmforge/test-support";
import { tempDir } from "./support/tools.js";

/*
 * The README says strings with control characters other than tab and newline are refused:
 * a CR (which YAML readers turn into a line break, and which hides text on a terminal) too.
 */

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw";

/** The preflight problems of a VM description with [linux], as `vmforge plan` reports them ([] when it passes). */
async function preflightProblems(linux: string) {
  const root = await tempDir("vmforge-linux-ctl-");
  const config = join(root, "vm.toml");
  await writeFile(config, `[vm]\nname = "ctl"\nguest = "linux"\n${linux}`);
  const kernel = new Kernel({ dryRun: true, hostRoot: join(examplesDir, "hosts", "z370-gt1030"), env: { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config") } });
  for (const plugin of [qemuSetupPlugin, linuxSetupPlugin]) await kernel.use(plugin);
  try {
    await kernel.preflight({ configPath: config, flags: {} });
  } catch (error) {
    return (error as VmforgeError).problems.map(({ code, keyPath, line, message }) => ({ code, keyPath, line, message }));
  }
  return [];
}

describe("control characters in [linux] strings", () => {
  it("a CR in runcmd and gecos, an escape in a shell and a key, a CR in a file path: each located", async () => {
    const problems = await preflightProblems(
      [
        "[linux]", // 4
        'runcmd = ["echo one\\rtwo"]', // 5
        'user_data_file = "extra\\r.yaml"', // 6
        "[[linux.users]]", // 7
        'name = "dev"', // 8
        'gecos = "Dev\\r"', // 9
        'shell = "/bin/bash\\u0007"', // 10
        `ssh_authorized_keys = ["${KEY} dev\\u001b[2K"]`, // 11
      ].join("\n"),
    );
    expect(problems.map(({ keyPath, line }) => ({ keyPath, line }))).toEqual(
      expect.arrayContaining([
        { keyPath: "linux.runcmd[0]", line: 5 },
        { keyPath: "linux.user_data_file", line: 6 },
        { keyPath: "linux.users[0].gecos", line: 9 },
        { keyPath: "linux.users[0].shell", line: 10 },
        { keyPath: "linux.users[0].ssh_authorized_keys[0]", line: 11 },
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problems.find((problem) => problem.keyPath === "linux.runcmd[0]")!.message).toContain("U+000D");
    expect(problems.find((problem) => problem.keyPath === "linux.users[0].ssh_authorized_keys[0]")!.message).toContain("U+001B");
  });

  it("tab and newline stay allowed where strings may be multi-line", async () => {
    expect(await preflightProblems('[linux]\nruncmd = ["printf \'a\\tb\\n\'", ["echo", "two\\nlines"]]\n')).toEqual([]);
  });
});

describe("control characters in the files [linux] names", () => {
  it("a CR escape in a user_data_file string: E_LINUX_USER_DATA_UNSAFE with its line", () => {
    const result = parseUserDataFile("/x.yaml", '#cloud-config\npackages: [curl]\nruncmd:\n  - "echo a\\rb"\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.objectContaining({ code: "E_LINUX_USER_DATA_UNSAFE", line: 4, message: expect.stringContaining("U+000D") })]);
  });

  it("a user_data_file with CRLF line ends is still read (the line breaks are not in any string)", () => {
    const result = parseUserDataFile("/x.yaml", "#cloud-config\r\npackages:\r\n  - curl\r\nwrite_files:\r\n  - path: /etc/motd\r\n    content: |\r\n      hello\r\n      world\r\n");
    expect(result.ok && result.value.config).toEqual({ packages: ["curl"], write_files: [{ path: "/etc/motd", content: "hello\nworld\n" }] });
  });

  it("a key file line with an escape sequence: E_LINUX_KEY_FILE_INVALID with its line", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "keys.pub"), `${KEY} ok\n${KEY} evil\u001b[2K\n`);
    const error = await resolveLinuxConfig({ table: { users: [{ name: "dev", ssh_authorized_keys_file: "keys.pub" }] }, vmName: "web-1", tomlPath: join(dir, "vm.toml"), tomlText: "" }).catch((caught: VmforgeError) => caught);
    expect((error as VmforgeError).problems).toEqual([expect.objectContaining({ code: "E_LINUX_KEY_FILE_INVALID", file: join(dir, "keys.pub"), line: 2, message: expect.stringContaining("U+001B") })]);
  });
});
