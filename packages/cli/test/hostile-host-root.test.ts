import { cpSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "@vmforge/test-support";
import { cliBin } from "./project-fixture.js";

/*
 * `vmforge check --host-root DIR` on snapshots an attacker (or an accident) shaped: whatever the
 * tree holds, nothing outside it is read, nothing blocks, nothing is read without a bound.
 */

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A copy of the bundled example host, with a secret beside it (outside the root). */
function plantedHost(): { base: string; root: string; secret: string } {
  const base = mkdtempSync(join(tmpdir(), "vmforge-hostile-root-"));
  folders.push(base);
  const root = join(base, "root");
  cpSync(join(examplesDir, "hosts", "z370-gt1030"), root, { recursive: true, verbatimSymlinks: true });
  const secret = join(base, "secret-os-release");
  writeFileSync(secret, 'PRETTY_NAME="SECRET FROM OUTSIDE THE ROOT"\nID=secret\n');
  return { base, root, secret };
}

const check = (root: string) => execa("node", [cliBin, "check", "--host-root", root, "--json"], { cwd: repoRoot, reject: false, timeout: 20_000 });

describe("vmforge check on a hostile host root", () => {
  it("an absolute symlink to a file outside the root is followed inside it, never out", async () => {
    const { root, secret } = plantedHost();
    rmSync(join(root, "etc/os-release"));
    symlinkSync(secret, join(root, "etc/os-release"));
    const result = await check(root);
    expect(result.stdout + result.stderr).not.toContain("SECRET FROM OUTSIDE");
    expect(result.exitCode).toBe(0);
    // Inside the root, /tmp/.../secret-os-release does not exist: the OS is unknown, as on a host without the file.
    expect(JSON.parse(result.stdout).environment_data.os).toMatchObject({ id: null });
  });

  it("a relative symlink climbing out with .. stops at the root", async () => {
    const { root } = plantedHost();
    rmSync(join(root, "etc/os-release"));
    symlinkSync("../../../../../../../../secret-os-release", join(root, "etc/os-release"));
    const result = await check(root);
    expect(result.stdout + result.stderr).not.toContain("SECRET FROM OUTSIDE");
  });

  it("a FIFO as /proc/cpuinfo ends at once with a located error (exit 2), not a hang", async () => {
    const { root } = plantedHost();
    rmSync(join(root, "proc/cpuinfo"));
    execFileSync("mkfifo", [join(root, "proc/cpuinfo")]);
    const started = Date.now();
    const result = await execa("node", [cliBin, "check", "--host-root", root], { cwd: repoRoot, reject: false, timeout: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_FILE_NOT_REGULAR");
    expect(result.stderr).toContain(`The host root ${root} is no faithful snapshot: /proc/cpuinfo is a named pipe (FIFO)`);
    expect(result.stderr).toContain("--save-snapshot");
    expect(result.stderr).not.toContain("E_INTERNAL");
  });

  it("an 8 GB /proc/meminfo is refused by its size, and a symlink loop is only a missing file", async () => {
    const { root } = plantedHost();
    rmSync(join(root, "proc/meminfo"));
    writeFileSync(join(root, "proc/meminfo"), "");
    truncateSync(join(root, "proc/meminfo"), 8 * 1024 ** 3);
    rmSync(join(root, "etc/os-release"));
    symlinkSync("os-release", join(root, "etc/os-release"));
    const result = await execa("node", [cliBin, "check", "--host-root", root], { cwd: repoRoot, reject: false, timeout: 20_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("E_FILE_TOO_LARGE");
    expect(result.stderr).toContain("/proc/meminfo");
  });
});

describe("--host-root that is no folder", () => {
  it("a folder that is not there, or a file, is refused before any stage, exit 2, for check and plan alike", async () => {
    const base = mkdtempSync(join(tmpdir(), "vmforge-no-root-"));
    folders.push(base);
    const file = join(base, "a-file");
    writeFileSync(file, "not a snapshot\n");
    const web1 = join(examplesDir, "web-1.toml");
    for (const [args, code] of [
      [["check", "--host-root", join(base, "typo")], "E_HOST_ROOT_MISSING"],
      [["plan", web1, "--host-root", join(base, "typo"), "--out", join(base, "out")], "E_HOST_ROOT_MISSING"],
      [["check", "--host-root", file], "E_HOST_ROOT_NOT_FOLDER"],
    ] as const) {
      const result = await execa("node", [cliBin, ...args], { cwd: repoRoot, reject: false, timeout: 20_000 });
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(code);
      expect(result.stderr).toContain("--save-snapshot DIR");
      expect(result.stderr).not.toContain("OVMF");
      expect(result.stdout).not.toMatch(/env_check:/);
    }
    // Nothing was made for the plan that was refused.
    expect(() => execFileSync("ls", [join(base, "out")], { stdio: "ignore" })).toThrow();
  });
});
