import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { all, describeWhen, examplesDir, itWhen, ovmf, repoRoot, requirement, startPrivateLibvirtd, tool, type PrivateLibvirtd } from "@vmforge/test-support";
import { cliBin } from "./project-fixture.js";

// A private sshd on 127.0.0.1 with a throw-away host key and user key: `--host ssh://...` must
// read this machine over it exactly as a local run reads it.
describeWhen(all(tool("sshd", "openssh-server"), tool("ssh", "openssh-client"), tool("ssh-keygen", "openssh-client")))("--host ssh:// against a private sshd on 127.0.0.1", () => {
  const folder = mkdtempSync(join(tmpdir(), "vmforge-remote-host-"));
  const user = userInfo().username;
  let sshd: ChildProcess | undefined;
  let port = 0;
  let target = "";
  const env = () => ({
    VMFORGE_SSH_CONFIG: join(folder, "ssh_config"),
    VMFORGE_OFFLINE: "1",
    VMFORGE_DATA_HOME: join(folder, "data"),
    VMFORGE_CONFIG_HOME: join(folder, "config"),
    VMFORGE_CACHE_HOME: join(folder, "cache"),
  });
  const vmforge = (args: string[], extraEnv: Record<string, string> = {}) => execa("node", [cliBin, ...args], { cwd: repoRoot, env: { ...env(), ...extraEnv }, reject: false });

  beforeAll(async () => {
    port = await freePort();
    target = `ssh://${user}@127.0.0.1:${port}`;
    writeSshFiles(folder, port);
    sshd = await startSshd(join(folder, "sshd_config"), port);
  }, 30_000);

  afterAll(() => {
    sshd?.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it("check --host --json gives the report of a local check of this machine", async () => {
    const sessionFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith("vmforge-host-"));
    const before = sessionFolders();
    const [remote, local] = [await vmforge(["check", "--host", target, "--json"]), await vmforge(["check", "--json"])];
    expect(remote.stderr).toBe("");
    expect(remote.exitCode).toBe(local.exitCode);
    // Free memory moves between the two runs; everything else is the same machine.
    const steady = (text: string) =>
      JSON.stringify(JSON.parse(text), (key, value) => (/^(available|free)/i.test(key) ? "…" : typeof value === "string" ? value.replace(/[\d.]+ [KMGT]iB (available|free)/g, "… $1") : value));
    expect(steady(remote.stdout)).toBe(steady(local.stdout));
    expect(JSON.parse(remote.stdout).checks.length).toBeGreaterThan(3);
    // The session's folder is gone with the run.
    expect(sessionFolders()).toEqual(before);
  }, 120_000);

  // A plan of web-1 needs OVMF on this machine, the one both runs read.
  itWhen(ovmf())("plan --host writes the artifacts a local plan writes", async () => {
    const out = join(folder, "out");
    const local = await vmforge(["plan", "examples/web-1.toml", "--out", out, "--json"]);
    expect(local.exitCode).toBe(0);
    renameSync(out, join(folder, "local-out"));
    const remote = await vmforge(["plan", "examples/web-1.toml", "--host", target, "--out", out, "--json"]);
    expect(remote.stderr).toBe("");
    expect(remote.exitCode).toBe(0);
    const files = readdirSync(join(folder, "local-out")).filter((name) => name !== "plan.json").sort();
    expect(readdirSync(out).filter((name) => name !== "plan.json").sort()).toEqual(files);
    expect(files).toEqual(expect.arrayContaining(["qemu-command.json", "launch.sh", "vm-definition.json", "OVMF_VARS.fd"]));
    // Same --out path, so even launch.sh and the definition are byte for byte the same.
    for (const file of files.filter((name) => !readdirSync(join(folder, "local-out"), { withFileTypes: true }).find((entry) => entry.name === name)?.isDirectory())) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(folder, "local-out", file))), file).toBe(true);
    }
  }, 120_000);

  it("check --save-snapshot of a remote host replays with --host-root to the same report", async () => {
    const snapshot = join(folder, "snapshot");
    const remote = await vmforge(["check", "--host", target, "--json", "--save-snapshot", snapshot]);
    const replay = await vmforge(["check", "--host-root", snapshot, "--json"]);
    expect(replay.exitCode).toBe(remote.exitCode);
    expect(JSON.parse(replay.stdout).checks).toEqual(JSON.parse(remote.stdout).checks);
  }, 120_000);

  it("an unknown host key, a refused user and a closed port each say what to do (exit 2)", async () => {
    const unknown = await vmforge(["check", "--host", target], { VMFORGE_SSH_CONFIG: join(folder, "ssh_config_unknown_host") });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("E_SSH_HOST_KEY");
    expect(unknown.stderr).toContain("compare the fingerprint");
    const refused = await vmforge(["check", "--host", `ssh://nobody@127.0.0.1:${port}`]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("E_SSH_AUTH");
    const closed = await vmforge(["check", "--host", `ssh://${user}@127.0.0.1:${await freePort()}`]);
    expect(closed.exitCode).toBe(2);
    expect(closed.stderr).toContain("E_SSH_UNREACHABLE");
    for (const result of [unknown, refused, closed]) expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("check --host A --host B checks both at once: one table, or {hosts} with --json, and the worst exit code", async () => {
    const closedPort = await freePort();
    const both = await vmforge(["check", "--host", target, "--host", `ssh://${user}@127.0.0.1:${closedPort}`, "--json"]);
    expect(both.exitCode).toBe(2);
    const { hosts } = JSON.parse(both.stdout) as { hosts: Array<{ host: string; exitCode: number; report?: { checks: unknown[] }; error?: { code: string } }> };
    expect(hosts.map((outcome) => outcome.host)).toEqual([target, `ssh://${user}@127.0.0.1:${closedPort}`]);
    expect(hosts[0]!.report!.checks.length).toBeGreaterThan(3);
    expect([0, 3]).toContain(hosts[0]!.exitCode);
    expect(hosts[1]).toMatchObject({ exitCode: 2, error: { code: "E_SSH_UNREACHABLE" } });
    const table = await vmforge(["check", "--host", target, "--host", target, "--no-color"]);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^HOST +VERDICT +FAIL +WARN +GPUS READY FOR PASSTHROUGH$/);
    expect(lines.filter((line) => line.startsWith(`${target} `))).toHaveLength(2);
    expect(table.exitCode).toBe(hosts[0]!.exitCode);
  }, 120_000);

  it("--host with --host-root is refused before anything runs", async () => {
    const both = await vmforge(["check", "--host", target, "--host-root", join(examplesDir, "hosts", "z370-gt1030")]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("--host and --host-root");
  }, 60_000);
});

/**
 * The other machine of `apply --host`: this one, seen through a mount namespace in which the
 * data folder is another folder. Its sshd and its libvirtd (private, as in the boot test) both
 * live in such a namespace, so what lands in `remoteData` went over SSH, and what is in `data`
 * was kept here.
 */
describeWhen(
  all(
    requirement(process.getuid?.() === 0, "the other machine's mount namespace and its libvirtd need root"),
    tool("sshd", "openssh-server"),
    tool("ssh", "openssh-client"),
    tool("ssh-keygen", "openssh-client"),
    tool("unshare", "util-linux"),
    tool("libvirtd", "libvirt-daemon libvirt-daemon-driver-qemu"),
    tool("virsh", "libvirt-clients"),
    tool("nc", "netcat-openbsd (libvirt's qemu+ssh:// reaches a socket with nc -U)"),
    tool("qemu-img", "qemu-utils"),
    tool("qemu-system-x86_64", "qemu-system-x86"),
    ovmf(),
  ),
)("apply --host, then start --libvirt --connect qemu+ssh:// to that machine's libvirtd", () => {
  const folder = mkdtempSync(join(tmpdir(), "vmforge-remote-apply-"));
  const data = join(folder, "data");
  const remoteData = join(folder, "remote-data");
  const config = join(folder, "far-1.toml");
  const runDir = join(data, "vms", "far-1");
  const remoteRunDir = join(remoteData, "vms", "far-1");
  let sshd: ChildProcess | undefined;
  let libvirtd: PrivateLibvirtd | undefined;
  let target = "";
  let uri = "";
  const env = { VMFORGE_SSH_CONFIG: join(folder, "ssh_config"), VMFORGE_OFFLINE: "1", VMFORGE_DATA_HOME: data, VMFORGE_CONFIG_HOME: join(folder, "config"), VMFORGE_CACHE_HOME: join(folder, "cache") };
  const vmforge = (args: string[]) => execa("node", [cliBin, ...args], { cwd: repoRoot, env, reject: false });

  beforeAll(async () => {
    mkdirSync(data);
    mkdirSync(remoteData);
    const port = await freePort();
    target = `ssh://root@127.0.0.1:${port}`;
    writeSshFiles(folder, port);
    sshd = await startSshd(join(folder, "sshd_config"), port, [{ from: remoteData, to: data }]);
    libvirtd = await startPrivateLibvirtd({ binds: [{ from: remoteData, to: data }] });
    // libvirt's ssh transport takes no ssh config file; the client it runs is this wrapper.
    const sshWrapper = join(folder, "ssh-wrapper");
    writeFileSync(sshWrapper, `#!/bin/sh\nexec ssh -F ${join(folder, "ssh_config")} "$@"\n`, { mode: 0o755 });
    uri = `qemu+ssh://root@127.0.0.1:${port}/system?${new URL(libvirtd.uri).searchParams.toString().replace(/%2F/g, "/")}&command=${sshWrapper}`;
    writeFileSync(
      config,
      ["[vm]", 'name = "far-1"', 'guest = "linux"', "[memory]", 'size = "512MiB"', "[firmware]", 'type = "uefi"', "[[disk]]", 'size = "1GiB"', "[[network]]", 'mode = "user"', "[display]", 'type = "none"', "[output]", "libvirt_xml = true", "[linux]", 'hostname = "far-1"', ""].join("\n"),
    );
  }, 120_000);

  afterAll(async () => {
    await libvirtd?.stop();
    sshd?.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it("apply --host creates the disk and writes the artifacts there over the SSH session, and keeps a copy of the artifacts here", async () => {
    const apply = await vmforge(["apply", config, "--host", target, "--json"]);
    expect(apply.exitCode, apply.stderr).toBe(0);
    const plan = JSON.parse(apply.stdout) as { host: string; artifactDir: string; effects: Array<{ kind: string; status: string; command?: string[] }> };
    expect(plan).toMatchObject({ host: target, artifactDir: runDir });
    expect(plan.effects.find((effect) => effect.kind === "run" && effect.command?.includes("create"))).toMatchObject({ status: "done" });
    // There: everything, the disk made by that machine's qemu-img.
    const info = await execa("qemu-img", ["info", "--output=json", join(remoteRunDir, "disk0.qcow2")]);
    expect(JSON.parse(info.stdout)).toMatchObject({ format: "qcow2", "virtual-size": 1024 ** 3 });
    expect(readdirSync(remoteRunDir)).toEqual(expect.arrayContaining(["OVMF_VARS.fd", "domain.xml", "launch.sh", "seed.iso", "vm-definition.json", "cloud-init"]));
    expect(statSync(join(remoteRunDir, "launch.sh")).mode & 0o777).toBe(0o755);
    // Here: the artifacts and the record of the run, no disk.
    expect(readdirSync(runDir)).toEqual(expect.arrayContaining(["domain.xml", "seed.iso", "plan.json"]));
    expect(readdirSync(runDir)).not.toContain("disk0.qcow2");
    expect(readFileSync(join(runDir, "domain.xml"), "utf8")).toBe(readFileSync(join(remoteRunDir, "domain.xml"), "utf8"));
    expect(readdirSync(remoteRunDir).filter((name) => name.startsWith("."))).toEqual([]);

    // Again: the disk there is checked by qemu-img there and kept.
    const again = await vmforge(["apply", config, "--host", target]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${join(runDir, "disk0.qcow2")} exists and passed the check`);
    expect(again.stdout).toContain(`far-1 is set up on ${target}.`);
  }, 240_000);

  it("what cannot be done from here is refused with the way to do it (exit 2)", async () => {
    const bind = await vmforge(["apply", config, "--host", target, "--bind-vfio"]);
    expect(bind.exitCode).toBe(2);
    expect(bind.stderr).toContain("E_REMOTE_SYSFS");
    const direct = await vmforge(["start", "far-1"]);
    expect(direct.exitCode).toBe(2);
    expect(direct.stderr).toContain("E_LIFECYCLE_REMOTE_VM");
    expect(direct.stderr).toContain(`--connect qemu+ssh://root@127.0.0.1:`);
    const local = await vmforge(["start", "far-1", "--libvirt", "--connect", "qemu:///system"]);
    expect(local.exitCode).toBe(2);
    expect(local.stderr).toContain("is this machine's libvirt");
    const wait = await vmforge(["start", "far-1", "--libvirt", "--connect", uri, "--wait"]);
    expect(wait.exitCode).toBe(2);
    expect(wait.stderr).toContain("--wait cannot follow the boot from here");
    for (const result of [bind, direct, local, wait]) expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("start --libvirt --connect qemu+ssh:// defines and starts the domain in that machine's libvirtd; virsh dominfo shows it", async () => {
    const start = await vmforge(["start", "far-1", "--libvirt", "--connect", uri, "--json"]);
    expect(start.exitCode, `${start.stderr}\n${libvirtd!.logs()}`).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ vm: "far-1", mode: "libvirt", uri });
    const dominfo = await execa("virsh", ["-c", uri, "dominfo", "far-1"], { reject: false });
    expect(dominfo.exitCode, dominfo.stderr).toBe(0);
    expect(dominfo.stdout).toMatch(/^Name:\s+far-1$/m);
    expect(dominfo.stdout).toMatch(/^State:\s+running$/m);
    // The daemon there runs it from the folder apply made there.
    const xml = await execa("virsh", ["-c", libvirtd!.uri, "dumpxml", "far-1"]);
    expect(xml.stdout).toContain(`<source file='${join(runDir, "disk0.qcow2")}'`);
    const status = await vmforge(["status", "far-1", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ mode: "libvirt", uri, domainState: "running" });
  }, 240_000);
});

function writeSshFiles(folder: string, port: number): void {
  for (const key of ["host_key", "user_key"]) spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(folder, key)], { stdio: "ignore" });
  writeFileSync(join(folder, "authorized_keys"), readFileSync(join(folder, "user_key.pub")));
  writeFileSync(
    join(folder, "sshd_config"),
    [`ListenAddress 127.0.0.1`, `Port ${port}`, `HostKey ${join(folder, "host_key")}`, `AuthorizedKeysFile ${join(folder, "authorized_keys")}`, "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "PidFile none", ""].join("\n"),
  );
  writeFileSync(join(folder, "known_hosts"), `[127.0.0.1]:${port} ${readFileSync(join(folder, "host_key.pub"), "utf8")}`);
  writeFileSync(join(folder, "empty_known_hosts"), "");
  const clientConfig = (knownHosts: string) => ["Host *", `  IdentityFile ${join(folder, "user_key")}`, "  IdentitiesOnly yes", `  UserKnownHostsFile ${join(folder, knownHosts)}`, "  StrictHostKeyChecking yes", ""].join("\n");
  writeFileSync(join(folder, "ssh_config"), clientConfig("known_hosts"));
  writeFileSync(join(folder, "ssh_config_unknown_host"), clientConfig("empty_known_hosts"));
}

/** sshd in the foreground; with `binds`, in its own mount namespace where those folders are bound. */
async function startSshd(configFile: string, port: number, binds: ReadonlyArray<{ from: string; to: string }> = []): Promise<ChildProcess> {
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true });
  const sshdPath = spawnSync("sh", ["-c", "command -v sshd"], { encoding: "utf8" }).stdout.trim();
  const sshd =
    binds.length === 0
      ? spawn(sshdPath, ["-D", "-e", "-f", configFile], { stdio: "ignore" })
      : spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-ec", [...binds.map(({ from, to }) => `mount --bind ${from} ${to}`), `exec ${sshdPath} -D -e -f ${configFile}`].join("\n")], { stdio: "ignore" });
  await waitForBanner(port);
  return sshd;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const banner = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("SSH-"));
      });
      socket.once("error", () => resolve(false));
    });
    if (banner) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sshd did not start on port ${port}`);
}
