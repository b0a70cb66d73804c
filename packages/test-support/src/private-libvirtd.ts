import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";

export interface PrivateLibvirtd {
  /** `qemu:///system?socket=...`: this daemon's socket, for virsh -c and vmforge --connect. */
  uri: string;
  dir: string;
  /** The daemon's log and every domain's QEMU log, the last lines of each. */
  logs(): string;
  stop(): Promise<void>;
}

/** The folders a privileged libvirtd uses, each bound to a folder of the test's in its own mount namespace. */
const PRIVATE_FOLDERS = {
  etc: "/etc/libvirt",
  run: "/run/libvirt",
  lib: "/var/lib/libvirt",
  cache: "/var/cache/libvirt",
  log: "/var/log/libvirt",
} as const;

const QEMU_CONF = `# A libvirtd for one test: QEMU runs as root, unconfined, without cgroups or a /dev namespace
# (a container), its serial and stdio in plain files (no virtlogd).
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
`;

/**
 * libvirtd for this test alone (root): its configuration, state, runtime and log folders are
 * the test's, bound over the system paths in a private mount namespace (`unshare -m`), and its
 * socket lies in the test's folder, so nothing of a system libvirt is read or touched.
 * `binds`: more folders bound in that namespace (no spaces in their paths).
 */
export async function startPrivateLibvirtd(options: { binds?: ReadonlyArray<{ from: string; to: string }> } = {}): Promise<PrivateLibvirtd> {
  const dir = mkdtempSync(join(tmpdir(), "vmforge-libvirtd-"));
  const socketDir = join(dir, "sock");
  mkdirSync(socketDir);
  for (const name of Object.keys(PRIVATE_FOLDERS)) mkdirSync(join(dir, name));
  writeFileSync(
    join(dir, "etc", "libvirtd.conf"),
    [`unix_sock_dir = "${socketDir}"`, `unix_sock_rw_perms = "0700"`, `auth_unix_rw = "none"`, `auth_unix_ro = "none"`, `log_outputs = "3:file:${join(dir, "libvirtd.log")}"`, ""].join("\n"),
  );
  writeFileSync(join(dir, "etc", "qemu.conf"), QEMU_CONF);
  // Debian's QEMU driver resolves its built-in user libvirt-qemu before it reads qemu.conf; the
  // package that creates that user (libvirt-daemon-system) is not needed: the namespace sees a
  // passwd and group that have it.
  const passwd = readFileSync("/etc/passwd", "utf8");
  const group = readFileSync("/etc/group", "utf8");
  writeFileSync(join(dir, "passwd"), /^libvirt-qemu:/m.test(passwd) ? passwd : `${passwd.trimEnd()}\nlibvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin\n`);
  writeFileSync(join(dir, "group"), /^libvirt-qemu:/m.test(group) ? group : `${group.trimEnd()}\nlibvirt-qemu:x:64055:\n`);

  // Mount points that do not exist yet (no libvirt-daemon-system here): made empty, removed after.
  const made: string[] = [];
  for (const target of Object.values(PRIVATE_FOLDERS)) {
    if (existsSync(target)) continue;
    mkdirSync(target);
    made.push(target);
  }
  const mounts = [
    ...Object.entries(PRIVATE_FOLDERS).map(([name, target]) => `mount --bind ${join(dir, name)} ${target}`),
    `mount --bind ${join(dir, "passwd")} /etc/passwd`,
    `mount --bind ${join(dir, "group")} /etc/group`,
    // The test's own: what this daemon sees at a path (another machine's folder, in a test of remote hosts).
    ...(options.binds ?? []).map(({ from, to }) => `mount --bind ${from} ${to}`),
  ];
  const output = openSync(join(dir, "libvirtd.out"), "w");
  const daemon: ChildProcess = spawn(
    "unshare",
    ["--mount", "--propagation", "private", "--", "sh", "-ec", `${mounts.join("\n")}\nexec libvirtd -f ${join(dir, "etc", "libvirtd.conf")} -p ${join(dir, "libvirtd.pid")}`],
    { stdio: ["ignore", output, output] },
  );
  let exited = false;
  daemon.on("exit", () => (exited = true));
  const uri = `qemu:///system?socket=${join(socketDir, "libvirt-sock")}`;

  const logs = (): string => {
    const tail = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").slice(-25).join("\n") : "(none)");
    const qemuLogs = join(dir, "log", "qemu");
    const domains = existsSync(qemuLogs) ? readdirSync(qemuLogs).map((name) => `--- ${name}\n${tail(join(qemuLogs, name))}`) : [];
    return [`--- libvirtd.out\n${tail(join(dir, "libvirtd.out"))}`, `--- libvirtd.log\n${tail(join(dir, "libvirtd.log"))}`, ...domains].join("\n");
  };

  const stop = async (): Promise<void> => {
    if (!exited) {
      const listed = await execa("virsh", ["-c", uri, "list", "--all", "--name"], { reject: false, timeout: 30_000 });
      for (const name of listed.stdout.split("\n").filter(Boolean)) {
        await execa("virsh", ["-c", uri, "destroy", name], { reject: false, timeout: 60_000 });
        await execa("virsh", ["-c", uri, "undefine", name, "--nvram"], { reject: false, timeout: 30_000 });
      }
      daemon.kill("SIGTERM");
      for (let i = 0; i < 150 && !exited; i++) await sleep(100);
      if (!exited) daemon.kill("SIGKILL");
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    }
    // A QEMU the daemon left (it should not): by its pid file, never by name.
    const runQemu = join(dir, "run", "qemu");
    if (existsSync(runQemu)) {
      for (const name of readdirSync(runQemu).filter((file) => file.endsWith(".pid"))) {
        const pid = Number(readFileSync(join(runQemu, name), "utf8").trim());
        if (Number.isInteger(pid) && pid > 1) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
    }
    for (const target of made) {
      try {
        rmdirSync(target);
      } catch {
        // not empty or busy: leave it
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready when virsh gets an answer; give up (with the daemon's own words) if it dies or stays silent.
  for (let attempt = 0; ; attempt++) {
    if (exited) {
      const why = logs();
      await stop();
      throw new Error(`libvirtd exited at start:\n${why}`);
    }
    if (existsSync(join(socketDir, "libvirt-sock"))) {
      const version = await execa("virsh", ["-c", uri, "version"], { reject: false, timeout: 30_000 });
      if (version.exitCode === 0) break;
    }
    if (attempt >= 300) {
      const why = logs();
      await stop();
      throw new Error(`libvirtd did not answer on ${uri} within a minute:\n${why}`);
    }
    await sleep(200);
  }
  return { uri, dir, logs, stop };
}
