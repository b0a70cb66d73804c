import { chmod, mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { examplesDir, repoRoot } from "@vmforge/test-support";

/** The built CLI (`pnpm build` first), with every first-party plugin of the repository. */
export const cliBin = join(repoRoot, "packages", "cli", "dist", "bin.js");
/** A real host's snapshot: apply never reads the machine it runs on. */
export const exampleHost = join(examplesDir, "hosts", "z370-gt1030");
const fakeQemu = join(dirname(fileURLToPath(import.meta.url)), "fake-qemu.mjs");

/** A VM description of a tiny TCG guest: BIOS, no display, no network, `disk` = a blank disk or none. */
export function tinyToml(name: string, options: { disk?: boolean; libvirt?: boolean; extra?: string } = {}): string {
  return [
    "network = []",
    "[vm]",
    `name = "${name}"`,
    'accel = "tcg"',
    "guest_agent = false",
    "rng = false",
    "[cpu]",
    "cores = 1",
    'model = "max"',
    "[memory]",
    'size = "64MiB"',
    "[firmware]",
    'type = "bios"',
    ...(options.disk ? ["[[disk]]", 'size = "16MiB"'] : []),
    "[display]",
    'type = "none"',
    ...(options.libvirt ? ["[output]", "libvirt_xml = true"] : []),
    options.extra ?? "",
    "",
  ].join("\n");
}

/** A data home, a config home and a bin folder for stand-ins, in a fresh temp folder. */
export class Sandbox {
  private constructor(
    readonly root: string,
    readonly env: Record<string, string>,
  ) {}

  static async create(): Promise<Sandbox> {
    const root = await mkdtemp(join(tmpdir(), "vmforge-lifecycle-"));
    await mkdir(join(root, "bin"));
    return new Sandbox(root, {
      VMFORGE_DATA_HOME: join(root, "data"),
      VMFORGE_CONFIG_HOME: join(root, "config"),
      NO_COLOR: "1",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
    });
  }

  get bin(): string {
    return join(this.root, "bin");
  }

  /** The stand-in QEMU first on PATH, for this sandbox's runs. */
  async useFakeQemu(): Promise<void> {
    await symlink(fakeQemu, join(this.bin, "qemu-system-x86_64"));
    this.env.PATH = `${this.bin}:${process.env.PATH}`;
  }

  /** A stand-in program first on PATH. */
  async fakeProgram(name: string, script: string): Promise<void> {
    await writeFile(join(this.bin, name), script);
    await chmod(join(this.bin, name), 0o755);
    this.env.PATH = `${this.bin}:${process.env.PATH}`;
  }

  runDir(name: string): string {
    return join(this.root, "data", "vms", name);
  }

  async toml(name: string, text: string): Promise<string> {
    const path = join(this.root, `${name}.toml`);
    await writeFile(path, text);
    return path;
  }

  /** `vmforge ARGS` through the built CLI; `extraEnv` on top of the sandbox's. */
  vmforge(args: string[], extraEnv: Record<string, string> = {}, input = "", timeoutMs = 60_000) {
    // stdin is `input` (not a terminal): `vmforge console` ends at its end, or at Ctrl-] in it.
    return execa("node", [cliBin, ...args], { cwd: repoRoot, env: { ...this.env, ...extraEnv }, extendEnv: false, reject: false, timeout: timeoutMs, input });
  }

  /** `vmforge apply` of the tiny VM against the example host. */
  async apply(name: string, options: Parameters<typeof tinyToml>[1] = {}, command: "apply" | "plan" = "apply", out?: string) {
    const path = await this.toml(name, tinyToml(name, options));
    const result = await this.vmforge([command, path, "--host-root", exampleHost, ...(out ? ["--out", out] : [])]);
    if (result.exitCode !== 0) throw new Error(`vmforge ${command} failed:\n${result.stderr}`);
    return result;
  }
}
