import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { examplesDir, repoRoot } from "@vmforge/test-support";

export const cliBin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "cli", "dist", "bin.js");

/** A password hash as `mkpasswd -m sha-512` prints it: it must never reach a checkpoint. */
export const PASSWORD_HASH = "$6$lAbSaLt$Q9vJxRk1C0mZ4yG7oT2sW8eN5pH3aB6dF0gL1cV9xZ2uI4qE7rT8yW3oP5sA1dG6hJ0kL2zX9cV4bN7mQ1wE3r";

/**
 * A VM description that uses every kind of input a run records (the TOML, a key file, a
 * user-data file), a secret (a password hash), a disk to create and libvirt XML.
 */
export function labToml(name: string, diskSize = "1GiB", light = false): string {
  // The least a run needs to make a disk and say how big it is: no guest setup, BIOS, libvirt XML for a second witness.
  if (light) return `[vm]\nname = "${name}"\n\n[firmware]\ntype = "bios"\n\n[memory]\nsize = "1GiB"\n\n[[disk]]\nsize = "${diskSize}"\n\n[output]\nlibvirt_xml = true\n`;
  return `[vm]
name = "${name}"
guest = "linux"

[memory]
size = "1GiB"

[[disk]]
size = "${diskSize}"

[output]
libvirt_xml = true

[linux]
user_data_file = "extra.yaml"

[[linux.users]]
name = "dev"
sudo = true
password_hash = "${PASSWORD_HASH}"
ssh_authorized_keys_file = "id.pub"
`;
}

export interface Lab {
  dir: string;
  /** A copy of the bundled z370-gt1030 snapshot without usr/bin/qemu-img: the disk stage then runs `qemu-img` from PATH, which is the lab's wrapper. */
  hostRoot: string;
  dataHome: string;
  env: Record<string, string>;
  /** The run folder of a VM (artifacts and the disk image). */
  runDir(name: string): string;
  /** A real run's recovery folder in the data folder; a dry run's inside its --out folder. */
  recoveryDir(planOut?: string): string;
  /** `vmforge ARGS` with the lab's host root, project and data folders. */
  vmforge(args: string[], options?: { env?: Record<string, string> }): ResultPromise<{ reject: false; all: false }>;
  writeToml(file: string, name: string, diskSize?: string, light?: boolean): string;
  /** Empties the data folder (checkpoints, locks, run folders). */
  reset(): void;
  remove(): void;
}

/**
 * A folder with a host root, a project of VM files and a data home. The `qemu-img` on PATH is
 * a wrapper around the real one: `create` first leaves a few bytes at its target, then sleeps
 * `LAB_QEMU_IMG_DELAY` seconds (0 by default), then runs the real `qemu-img create` — a slow
 * tool that leaves a half-written file behind when it is stopped.
 */
export function makeLab(label: string): Lab {
  const dir = mkdtempSync(join(tmpdir(), `vmforge-recovery-${label}-`));
  const hostRoot = join(dir, "host");
  cpSync(join(examplesDir, "hosts", "z370-gt1030"), hostRoot, { recursive: true });
  rmSync(join(hostRoot, "usr", "bin", "qemu-img"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  // Without qemu-utils the wrapper fails as qemu-img would: only tests that create a disk need it (and are gated on it).
  const realQemuImg = execFileSync("sh", ["-c", "command -v qemu-img || echo /nonexistent/qemu-img"], { encoding: "utf8" }).trim();
  writeFileSync(
    join(bin, "qemu-img"),
    `#!/bin/sh
if [ "$1" = create ]; then
  target=""; seen=""
  for arg in "$@"; do
    if [ -n "$seen" ] && [ -z "$target" ]; then target="$arg"; fi
    if [ "$arg" = "--" ]; then seen=1; fi
  done
  [ -n "$target" ] && printf 'QFI\\373half' > "$target"
  sleep "\${LAB_QEMU_IMG_DELAY:-0}"
fi
exec ${JSON.stringify(realQemuImg)} "$@"
`,
  );
  chmodSync(join(bin, "qemu-img"), 0o755);
  const project = join(dir, "vms");
  mkdirSync(project);
  writeFileSync(join(project, "id.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop\n");
  writeFileSync(join(project, "extra.yaml"), "#cloud-config\npackages:\n  - htop\n");
  const dataHome = join(dir, "data");
  const env = { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dir, "config"), PATH: `${bin}:${process.env.PATH ?? ""}`, LAB_QEMU_IMG_DELAY: "0" };
  const lab: Lab = {
    dir,
    hostRoot,
    dataHome,
    env,
    runDir: (name) => join(dataHome, "vms", name),
    recoveryDir: (planOut) => (planOut ? join(planOut, ".vmforge", "recovery") : join(dataHome, "recovery")),
    vmforge: (args, options = {}) =>
      execa("node", [cliBin, ...args, "--host-root", hostRoot, "--project", repoRoot], { cwd: project, env: { ...env, ...options.env }, reject: false }) as ResultPromise<{ reject: false; all: false }>,
    writeToml: (file, name, diskSize, light) => {
      const path = join(project, file);
      writeFileSync(path, labToml(name, diskSize, light));
      return path;
    },
    reset: () => rmSync(dataHome, { recursive: true, force: true }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return lab;
}

/** Every file below `dir` (relative path -> bytes); folders are implied. */
export function filesOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile()) files.set(relative(dir, path), readFileSync(path));
    else if (!entry.isDirectory()) files.set(relative(dir, path), Buffer.from(`<${statSync(path).mode.toString(8)}>`));
  }
  return files;
}

/** The run folder without plan.json, which records how the run went (durations, resumed stages) and so differs. */
export function artifactsOf(dir: string): Map<string, Buffer> {
  const files = filesOf(dir);
  files.delete("plan.json");
  return files;
}

export function ensureBuilt(): void {
  if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: run \`pnpm build\` before these tests`);
}
