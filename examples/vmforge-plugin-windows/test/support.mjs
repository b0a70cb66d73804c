// Helpers for the tests: they run on the compiled plugin (dist/) and the `vmforge` bin installed
// in node_modules, as a user's machine would.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIso } from "@vmforge/iso9660";

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const schemaPath = join(packageRoot, "schema", "unattend-subset.xsd");
/** A host snapshot folder (env-check reads it instead of the live machine). */
export const hostRoot = resolve(process.env.VMFORGE_EXAMPLE_HOST ?? join(packageRoot, "..", "hosts", "z370-gt1030"));
if (!existsSync(join(hostRoot, "proc", "cpuinfo"))) {
  throw new Error(`No host snapshot at ${hostRoot}: set VMFORGE_EXAMPLE_HOST to a snapshot folder (vmforge's examples/hosts/z370-gt1030).`);
}

/**
 * Whether a program is installed. A test that needs it is skipped with the reason on a machine
 * without it, and fails under CI=true (CI must run it).
 */
export function toolGate(program) {
  const found = spawnSync(program, ["--version"], { stdio: "ignore" }).error === undefined;
  if (found) return { skip: false };
  if (process.env.CI === "true") throw new Error(`${program} is required under CI=true (install it: apt install ${program === "xmllint" ? "libxml2-utils" : "libvirt-clients"})`);
  return { skip: `${program} is not installed` };
}

export function run(program, args, options = {}) {
  const result = spawnSync(program, args, { encoding: "utf8", ...options });
  if (result.error) throw result.error;
  return result;
}

export const tempDir = (prefix = "vmforge-windows-") => mkdtemp(join(tmpdir(), prefix));

/** A small but real ISO 9660 image: what the preflight check accepts in place of a 6 GB Windows ISO. */
export async function placeholderIso(path, volumeId) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buildIso({ volumeId, files: [{ path: "README.txt", data: "placeholder for the tests\n" }] }));
}

/**
 * A user's project that lists the plugins the plan needs, this one included: the CLI finds
 * plugins through the dependencies of the project's package.json. Its node_modules links to
 * the packages installed here (and to this package itself).
 */
export async function userProject() {
  const dir = await tempDir("vmforge-windows-project-");
  const dependencies = { "@vmforge/plugin-env-check": "*", "@vmforge/plugin-qemu-setup": "*", "@vmforge/plugin-libvirt-xml": "*", "vmforge-plugin-windows": "*" };
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "windows-vms", private: true, dependencies }, null, 2));
  await mkdir(join(dir, "node_modules", "@vmforge"), { recursive: true });
  for (const name of Object.keys(dependencies)) {
    const target = name === "vmforge-plugin-windows" ? packageRoot : join(packageRoot, "node_modules", name);
    await symlink(target, join(dir, "node_modules", name), "dir");
  }
  return dir;
}

/** `vmforge ARGS` with the bin of @vmforge/cli installed in this package's node_modules. */
export function vmforge(args, options = {}) {
  const bin = join(packageRoot, "node_modules", "@vmforge", "cli", "dist", "bin.js");
  return run(process.execPath, [bin, ...args], { ...options, env: { ...process.env, NO_COLOR: "1", VMFORGE_DEBUG: "", ...options.env } });
}

/** win11.toml of examples/ with its ISOs placed beside it (copies, so a test may change them). */
export async function windowsVm(text) {
  const dir = await tempDir();
  const toml = join(dir, "win11.toml");
  await writeFile(toml, text);
  await placeholderIso(join(dir, "Win11_24H2_English_x64.iso"), "CCCOMA_X64FRE_EN-US_DV9");
  await placeholderIso(join(dir, "virtio-win.iso"), "virtio-win-0.1.262");
  return { dir, toml };
}
