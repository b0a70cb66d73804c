import { beforeAll, describe, expect, inject, it } from "vitest";
import { execa } from "execa";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { all, describeWhen, examplesDir, hasTool, itWhen, requirement, tool } from "@vmforge/test-support";
import { FreshProject, readPacks, userEnv, type PackageManager } from "./fresh-project.js";

/**
 * Issue 12's four steps, as new users and plugin authors meet vmforge: every published package
 * packed once (global-setup.ts), then fresh npm and pnpm projects that install only tarballs of
 * this checkout (their third-party dependencies, zod and the like, come from the registry).
 */
const registry = requirement(
  spawnSync("npm", ["view", "zod@4.6.7", "version", "--prefer-offline"], { stdio: "ignore", timeout: 30_000, env: userEnv(tmpdir()) }).status === 0,
  "the npm registry is not reachable (fresh projects install zod and the like from it)",
);
const hostRoot = join(examplesDir, "hosts", "z370-gt1030");
const web1 = join(examplesDir, "web-1.toml");
const windowsExample = join(examplesDir, "vmforge-plugin-windows");
const FIRST_PARTY = ["@vmforge/plugin-env-check", "@vmforge/plugin-kubevirt", "@vmforge/plugin-libvirt-xml", "@vmforge/plugin-lifecycle", "@vmforge/plugin-linux-setup", "@vmforge/plugin-qemu-setup", "@vmforge/plugin-recovery", "@vmforge/plugin-vfio-configurator"];

const pluginNames = (stdout: string) => (JSON.parse(stdout) as { plugins: Array<{ package: string }> }).plugins.map((plugin) => plugin.package);

for (const manager of ["npm", "pnpm"] as const satisfies PackageManager[]) {
  const needs = manager === "pnpm" ? all(registry, tool("pnpm", "npm i -g pnpm@12.4.2")) : all(registry, tool("npm", "npm"));
  describeWhen(needs)(`from tarballs in a fresh ${manager} project`, () => {
    const root = mkdtempSync(join(tmpdir(), `vmforge-e2e-${manager}-`));
    let project: FreshProject;

    beforeAll(() => {
      project = new FreshProject(join(root, "a-la-carte"), manager, readPacks(inject("packsDir")));
    });

    it("(1) only the CLI and env-check: plugins lists exactly that, check works, plan names what is missing", async () => {
      await project.add(["@vmforge/cli", "@vmforge/plugin-env-check"]);
      const plugins = await project.vmforge(["plugins", "--json"]);
      expect(plugins.stderr).toBe("");
      expect(pluginNames(plugins.stdout)).toEqual(["@vmforge/plugin-env-check"]);

      const check = await project.vmforge(["check", "--host-root", hostRoot, "--json"]);
      expect(check.exitCode).toBe(0);
      expect((JSON.parse(check.stdout) as { checks: unknown[] }).checks.length).toBeGreaterThan(0);

      const plan = await project.vmforge(["plan", web1, "--host-root", hostRoot]);
      expect(plan.exitCode).toBe(2);
      expect(plan.stderr).toContain("@vmforge/plugin-qemu-setup");
      expect(plan.stderr).toContain("@vmforge/plugin-linux-setup");
      expect(plan.stderr).toContain(project.installLine(["@vmforge/plugin-qemu-setup", "@vmforge/plugin-linux-setup"]));
      expect(plan.stderr).not.toMatch(/\n\s+at /);
    });

    it("(2) with the QEMU, libvirt and Linux plugins: plan --out writes every artifact", async () => {
      await project.add(["@vmforge/plugin-qemu-setup", "@vmforge/plugin-libvirt-xml", "@vmforge/plugin-linux-setup"]);
      const plugins = await project.vmforge(["plugins", "--json"]);
      expect(pluginNames(plugins.stdout)).toEqual(["@vmforge/plugin-env-check", "@vmforge/plugin-libvirt-xml", "@vmforge/plugin-linux-setup", "@vmforge/plugin-qemu-setup"]);
      const out = join(root, "out-web-1");
      const plan = await project.vmforge(["plan", web1, "--host-root", hostRoot, "--out", out, "--with", "qemu_setup:generate_libvirt_xml"]);
      expect(plan.stderr).toBe("");
      expect(plan.exitCode).toBe(0);
      for (const artifact of ["vm-definition.json", "qemu-command.json", "launch.sh", "domain.xml", "seed.iso", "plan.json", "cloud-init/user-data", "cloud-init/meta-data", "cloud-init/network-config"]) {
        expect(existsSync(join(out, artifact)), artifact).toBe(true);
      }
      const command = (JSON.parse(readFileSync(join(out, "qemu-command.json"), "utf8")) as { argv: string[] }).argv;
      expect(command[0]).toMatch(/qemu-system-x86_64$/);
      expect(command.join(" ")).toContain(join(out, "seed.iso"));
      expect(readFileSync(join(out, "domain.xml"), "utf8")).toContain("<name>web-1</name>");
      if (hasTool("virt-xml-validate")) {
        const validated = await execa("virt-xml-validate", [join(out, "domain.xml"), "domain"], { reject: false });
        expect(validated.exitCode, validated.stderr).toBe(0);
      }
    });

    itWhen(requirement(existsSync(windowsExample), "examples/vmforge-plugin-windows is not in this checkout"))(
      "(3) a third-party plugin built from its tarball: found, validated, run in its place, its media attached",
      async () => {
        const windowsTarball = await buildWindowsPlugin(join(root, "windows-plugin"), project);
        await project.add(["vmforge-plugin-windows"], { "vmforge-plugin-windows": `file:${windowsTarball}` });
        const plugins = await project.vmforge(["plugins", "--json"]);
        expect(pluginNames(plugins.stdout)).toContain("vmforge-plugin-windows");
        const pluginDir = join(root, "windows-plugin");
        const win11 = join(pluginDir, "examples", "win11.toml");
        // The author's own script writes small ISO 9660 stand-ins where win11.toml expects the downloads.
        await execa("npm", ["run", "placeholders"], { cwd: pluginDir, env: project.env, extendEnv: false });
        const out = join(root, "out-win11");
        const plan = await project.vmforge(["plan", win11, "--host-root", hostRoot, "--out", out]);
        expect(plan.stderr).toBe("");
        expect(plan.exitCode).toBe(0);
        const argv = (JSON.parse(readFileSync(join(out, "qemu-command.json"), "utf8")) as { argv: string[] }).argv;
        const drives = argv.filter((word) => word.startsWith("driver=file,"));
        const installer = join(pluginDir, "examples", "Win11_24H2_English_x64.iso");
        for (const iso of [installer, join(pluginDir, "examples", "virtio-win.iso"), join(out, "autounattend.iso")]) {
          expect(drives.some((drive) => drive.includes(`filename=${iso},`)), iso).toBe(true);
        }
        // The installer boots first; the disk moves down behind it.
        const installerNode = /node-name=([^,]+)-file/.exec(drives.find((drive) => drive.includes(`filename=${installer},`))!)![1];
        expect(argv).toContainEqual(expect.stringMatching(new RegExp(`^ide-cd,drive=${installerNode},.*bootindex=1$`)));
        expect(argv).toContainEqual(expect.stringMatching(/^virtio-blk-pci,drive=disk0,.*bootindex=2$/));
        const domain = readFileSync(join(out, "domain.xml"), "utf8");
        expect(domain.match(/device="cdrom"/g)?.length).toBe(3);
        expect(domain).toContain(`<source file="${installer}"/>`);
        expect(domain).toMatch(/<tpm model="tpm-crb">/);
        expect(domain).toMatch(/<loader[^>]*secure="yes"/);
        expect(existsSync(join(out, "windows", "autounattend.xml"))).toBe(true);
        if (hasTool("virt-xml-validate")) {
          const validated = await execa("virt-xml-validate", [join(out, "domain.xml"), "domain"], { reject: false });
          expect(validated.exitCode, validated.stderr).toBe(0);
        }
      },
    );

    it("(5) outside any project, `vmforge plugins add` installs real plugins for the user, and they run", async () => {
      const packs = readPacks(inject("packsDir"));
      const tarball = (name: string) => packs.find((pack) => pack.name === name)!.tarball;
      const nowhere = join(root, "no-project");
      mkdirSync(nowhere);
      const cli = join(project.dir, "node_modules", "@vmforge", "cli", "dist", "bin.js");
      // A plugin folder of its own, so that the other steps never see these plugins.
      const env = { ...project.env, VMFORGE_CONFIG_HOME: join(root, "global-user-config") };
      const vmforge = (args: string[]) => execa(process.execPath, [cli, ...args], { cwd: nowhere, env, extendEnv: false, reject: false });
      const added = await vmforge(["plugins", "add", tarball("@vmforge/plugin-env-check"), "--kernel", tarball("@vmforge/kernel")]);
      expect(added.stderr).toBe("");
      expect(added.exitCode).toBe(0);
      const plugins = await vmforge(["plugins", "--json"]);
      expect((JSON.parse(plugins.stdout) as { plugins: Array<{ package: string; source: string }> }).plugins).toEqual([expect.objectContaining({ package: "@vmforge/plugin-env-check", source: "user" })]);
      // The plugin's stages import its peer, the kernel, from the user's folder.
      expect((await vmforge(["check", "--host-root", hostRoot, "--json"])).exitCode).toBe(0);
      expect((await vmforge(["plugins", "remove", "@vmforge/plugin-env-check"])).exitCode).toBe(0);
      expect(JSON.parse((await vmforge(["plugins", "--json"])).stdout)).toEqual({ plugins: [] });
    });

    it("(4) only the assembled vmforge package: its vmforge command lists every first-party plugin", async () => {
      const bundleOnly = new FreshProject(join(root, "bundle-only"), manager, readPacks(inject("packsDir")));
      await bundleOnly.add(["vmforge"]);
      const plugins = await bundleOnly.vmforge(["plugins", "--json"]);
      expect(plugins.stderr).toBe("");
      expect(pluginNames(plugins.stdout)).toEqual(FIRST_PARTY);
      if (manager === "npm") {
        // npm links one of the two `vmforge` bins (today @vmforge/cli's): both give the same answer.
        for (const bin of [join("vmforge", "dist", "bin.js"), join("@vmforge", "cli", "dist", "bin.js")]) {
          const direct = await execa(process.execPath, [join(bundleOnly.dir, "node_modules", bin), "plugins", "--json"], { cwd: bundleOnly.dir, env: bundleOnly.env, extendEnv: false });
          expect(pluginNames(direct.stdout), bin).toEqual(FIRST_PARTY);
        }
      }
      const check = await bundleOnly.vmforge(["check", "--host-root", hostRoot, "--json"]);
      expect(check.exitCode).toBe(0);
    });
  });
}

/**
 * The Windows example as its author ships it: a copy outside the workspace, the @vmforge
 * tarballs it needs (overrides again) and typescript installed with npm, built, tested, packed.
 */
async function buildWindowsPlugin(dir: string, project: FreshProject): Promise<string> {
  cpSync(windowsExample, dir, { recursive: true, filter: (source) => !/[/\\](node_modules|dist)([/\\]|$)/.test(source) });
  const manifestPath = join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, Record<string, string> | undefined>;
  const overrides = project.overrides();
  for (const field of ["dependencies", "devDependencies", "peerDependencies"] as const) {
    for (const name of Object.keys(manifest[field] ?? {})) if (overrides[name] && field !== "peerDependencies") manifest[field]![name] = overrides[name]!;
  }
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, overrides }, null, 2));
  const run = (args: string[]) => execa("npm", args, { cwd: dir, env: project.env, extendEnv: false });
  await run(["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
  await run(["run", "build"]);
  // Its own tests run the real CLI against vmforge's example host (the copy has no ../hosts beside it).
  await execa("npm", ["test"], { cwd: dir, env: { ...project.env, VMFORGE_EXAMPLE_HOST: hostRoot }, extendEnv: false });
  const packs = join(dir, "..", "windows-pack");
  mkdirSync(packs, { recursive: true });
  const packed = await run(["pack", "--pack-destination", packs, "--json"]);
  return join(packs, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
}
