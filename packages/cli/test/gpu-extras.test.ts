import { chmodSync, chownSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, hasTool, itWhen, repoRoot, tool } from "@vmforge/test-support";
import { cliBin, tempRoot } from "./project-fixture.js";

/*
 * Looking Glass, evdev input and VFIO's locked memory through the real CLI, planned against the
 * bundled example host (a copy of it where a test changes what the host has).
 */

const exampleHost = join(examplesDir, "hosts", "z370-gt1030");
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function workspace(prefix: string): { root: string; env: Record<string, string> } {
  const { root } = tempRoot(prefix);
  folders.push(root);
  return { root, env: { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config"), VMFORGE_CACHE_HOME: join(root, "cache"), VMFORGE_OFFLINE: "1" } };
}

/** A copy of the example host that a test may change. */
function hostCopy(root: string): string {
  const host = join(root, "host");
  cpSync(exampleHost, host, { recursive: true, verbatimSymlinks: true });
  return host;
}

async function plan(root: string, env: Record<string, string>, toml: string, host = exampleHost) {
  const config = join(root, "vm.toml");
  writeFileSync(config, toml);
  const out = join(root, "out");
  rmSync(out, { recursive: true, force: true });
  const result = await execa("node", [cliBin, "plan", config, "--host-root", host, "--out", out, "--with", "qemu_setup:generate_libvirt_xml"], { cwd: repoRoot, env, reject: false });
  return { ...result, out, config, output: `${result.stdout}\n${result.stderr}` };
}

const vm = (extra: string) => `[vm]\nname = "lg"\naccel = "kvm"\nrun_as = "alice"\n[memory]\nsize = "4GiB"\n${extra}`;

async function expectValidDomain(out: string): Promise<void> {
  if (!hasTool("virt-xml-validate")) return;
  const validation = await execa("virt-xml-validate", [join(out, "domain.xml"), "domain"], { reject: false });
  expect(validation.stdout + validation.stderr).toContain("validates");
  expect(validation.exitCode).toBe(0);
}

describe("[looking_glass] through the real CLI", () => {
  it.each([
    [2560, 1440, 64],
    [1920, 1080, 32],
    [3840, 2160, 128],
    [1, 1, 16],
  ])("%ix%i gets %i MiB of IVSHMEM (width × height × 4 × 2 + 10 MiB, up to a power of two) in every output", async (width, height, mib) => {
    const { root, env } = workspace("lg-size");
    const run = await plan(root, env, vm(`[looking_glass]\nwidth = ${width}\nheight = ${height}\ngroup = "kvm"\n`));
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain(`Looking Glass: ${mib} MiB of IVSHMEM for ${width}x${height}`);
    const definition = JSON.parse(readFileSync(join(run.out, "vm-definition.json"), "utf8"));
    expect(definition.lookingGlass).toEqual({ width, height, sizeMib: mib, backing: "shm", path: "/dev/shm/looking-glass", owner: "alice", group: "kvm", mode: "0660" });
    const { argv } = JSON.parse(readFileSync(join(run.out, "qemu-command.json"), "utf8")) as { argv: string[] };
    expect(argv).toContain(`memory-backend-file,id=looking-glass,mem-path=/dev/shm/looking-glass,size=${mib}M,share=on`);
    expect(argv).toContain("ivshmem-plain,id=looking-glass-dev,memdev=looking-glass");
    expect(readFileSync(join(run.out, "domain.xml"), "utf8")).toContain(`<shmem name="looking-glass">\n      <model type="ivshmem-plain"/>\n      <size unit="M">${mib}</size>\n    </shmem>`);
    expect(readFileSync(join(run.out, "looking-glass.conf"), "utf8")).toContain("f /dev/shm/looking-glass 0660 alice kvm -\n");
    // apply installs the tmpfiles line (a plan says it would), inside the host root.
    expect(run.output).toContain(`${join(exampleHost, "etc", "tmpfiles.d", "vmforge-lg-looking-glass.conf")}`);
    const script = readFileSync(join(run.out, "launch.sh"), "utf8");
    expect(script).toContain("chown alice:kvm /dev/shm/looking-glass");
    expect(script).toContain("chmod 0660 /dev/shm/looking-glass");
    await expectValidDomain(run.out);
  });

  it("uses /dev/kvmfr0 when the host has the kvmfr module, through <qemu:commandline> in domain.xml", async () => {
    const { root, env } = workspace("lg-kvmfr");
    const host = hostCopy(root);
    mkdirSync(join(host, "sys", "module", "kvmfr", "parameters"), { recursive: true });
    const run = await plan(root, env, vm("[looking_glass]\nwidth = 2560\nheight = 1440\n"), host);
    expect(run.exitCode).toBe(0);
    const definition = JSON.parse(readFileSync(join(run.out, "vm-definition.json"), "utf8"));
    expect(definition.lookingGlass).toMatchObject({ sizeMib: 64, backing: "kvmfr", path: "/dev/kvmfr0" });
    const { argv } = JSON.parse(readFileSync(join(run.out, "qemu-command.json"), "utf8")) as { argv: string[] };
    expect(argv).toContain("memory-backend-file,id=looking-glass,mem-path=/dev/kvmfr0,size=64M,share=on");
    const xml = readFileSync(join(run.out, "domain.xml"), "utf8");
    expect(xml).not.toContain("<shmem");
    expect(xml.replaceAll("&quot;", "'")).toContain(`<qemu:arg value="{'qom-type':'memory-backend-file','id':'looking-glass','mem-path':'/dev/kvmfr0','size':67108864,'share':true}"/>`);
    expect(xml).toContain('xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"');
    expect(readFileSync(join(run.out, "launch.sh"), "utf8")).toContain("sudo modprobe kvmfr static_size_mb=64");
    await expectValidDomain(run.out);
  });

  it.each([
    ["width = 0\nheight = 1080", "looking_glass.width", "must be at least 1 pixel"],
    ["width = 1920.5\nheight = 1080", "looking_glass.width", "must be a whole number of pixels"],
    ["width = 1920\nheight = 100000", "looking_glass.height", "must be at most 8640 pixels"],
    ['width = "1920"\nheight = 1080', "looking_glass.width", "number"],
    ["width = 1920", "looking_glass.height", ""],
    ['width = 1920\nheight = 1080\nmode = "0666"', "looking_glass.mode", "must give others no access"],
    ['width = 1920\nheight = 1080\nowner = "al ice"', "looking_glass.owner", "must be a user name"],
  ])("refuses %j at %s, exit code 2", async (keys, key, message) => {
    const { root, env } = workspace("lg-bad");
    const run = await plan(root, env, vm(`[looking_glass]\n${keys}\n`));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`vm\\.toml:\\d+:\\d+  ${key.replace(".", "\\.")}: .*${message}`));
    expect(run.stderr).not.toMatch(/E_INTERNAL|\n\s+at /);
  });
});

describe("[[input]] evdev through the real CLI", () => {
  const input = (path: string) => `[[input]]\nevdev = "${path}"\ngrab_all = true\nrepeat = true\ngrab_toggle = "ctrl-ctrl"\n`;
  const keyboard = "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd";

  it("a snapshot without /dev/input cannot tell: a warning says so, and the device is in both outputs", async () => {
    const { root, env } = workspace("evdev-unverified");
    const run = await plan(root, env, vm(input(keyboard)));
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain(`warning: input[0]: ${keyboard} cannot be verified in this snapshot`);
    const { argv } = JSON.parse(readFileSync(join(run.out, "qemu-command.json"), "utf8")) as { argv: string[] };
    expect(argv).toContain(`input-linux,id=evdev0,evdev=${keyboard},grab_all=on,repeat=on,grab-toggle=ctrl-ctrl`);
    expect(readFileSync(join(run.out, "domain.xml"), "utf8")).toContain(`<input type="evdev">\n      <source dev="${keyboard}" grab="all" grabToggle="ctrl-ctrl" repeat="on"/>\n    </input>`);
    await expectValidDomain(run.out);
  });

  it("a snapshot that has the device passes without a warning", async () => {
    const { root, env } = workspace("evdev-present");
    const host = hostCopy(root);
    mkdirSync(join(host, "dev", "input", "by-id"), { recursive: true });
    writeFileSync(join(host, "dev", "input", "event3"), "");
    symlinkSync("../event3", join(host, keyboard));
    const run = await plan(root, env, vm(input(keyboard)), host);
    expect(run.exitCode).toBe(0);
    expect(run.output).not.toContain("W_EVDEV");
    expect(run.output).not.toContain("cannot be verified");
  });

  it("a snapshot with /dev/input but not the device: an error at the key with the fix `ls /dev/input/by-id`", async () => {
    const { root, env } = workspace("evdev-missing");
    const host = hostCopy(root);
    mkdirSync(join(host, "dev", "input", "by-id"), { recursive: true });
    const run = await plan(root, env, vm(input(keyboard)), host);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/vm\.toml:\d+:\d+  input\[0\]\.evdev: .*does not exist/);
    expect(run.stderr).toContain("E_EVDEV_MISSING");
    expect(run.stderr).toContain("ls /dev/input/by-id");
  });

  it("a by-id link that leads out of /dev/input is refused", async () => {
    const { root, env } = workspace("evdev-escape");
    const host = hostCopy(root);
    mkdirSync(join(host, "dev", "input", "by-id"), { recursive: true });
    symlinkSync("/etc/os-release", join(host, keyboard));
    const run = await plan(root, env, vm(input(keyboard)), host);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("E_EVDEV_NOT_INPUT");
    expect(run.stderr).toContain("leads to /etc/os-release");
  });

  it.each([
    ["/dev/sda", "must be a device below /dev/input/"],
    ["/dev/input/../sda", "must not contain . or .."],
    ["/dev/input/", "must be a device below /dev/input/"],
    ["/dev/input/by-id/kbd,evdev=/dev/sda", "must hold only"],
    ["/dev/input/by-id/$(reboot)", "must hold only"],
  ])("refuses evdev = %j before any stage (exit code 2)", async (path, message) => {
    const { root, env } = workspace("evdev-hostile");
    const run = await plan(root, env, vm(input(path)));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/vm\.toml:\d+:\d+  input\[0\]\.evdev: /);
    expect(run.stderr).toContain(message);
    expect(run.stdout).not.toContain("stage-start");
  });
});

describe("VFIO's locked memory through the real CLI: launch.sh of examples/gpu-passthrough.toml (without Looking Glass)", () => {
  /** The example without [looking_glass]: a launch.sh that gets past the checks must not make /dev/shm/looking-glass here. */
  async function passthroughPlan() {
    const { root, env } = workspace("memlock");
    const out = join(root, "out");
    const config = join(root, "gpu-passthrough.toml");
    writeFileSync(config, readFileSync(join(examplesDir, "gpu-passthrough.toml"), "utf8").replace(/\[looking_glass\]\nwidth = \d+\nheight = \d+\n/, ""));
    const result = await execa("node", [cliBin, "plan", config, "--host-root", exampleHost, "--out", out], { cwd: repoRoot, env, reject: false });
    expect(result.exitCode).toBe(0);
    const text = readFileSync(join(out, "launch.sh"), "utf8");
    expect(text).not.toContain("looking-glass");
    return { out, script: join(out, "launch.sh"), text };
  }

  it("asks for the guest's RAM + 1 GiB of locked memory (16 GiB guest: 17825792 KiB)", async () => {
    const { text } = await passthroughPlan();
    expect(text).toContain("memlock_needed=17825792");
    expect(text).toContain('ulimit -l "$memlock_needed"');
  });

  // capsh drops CAP_SYS_RESOURCE, without which no user (root included) raises a hard limit.
  itWhen(tool("capsh", "libcap2-bin"))("stops before QEMU with the fix when the limit cannot be raised", async () => {
    const { script } = await passthroughPlan();
    const run = await execa("capsh", ["--drop=cap_sys_resource", "--", "-c", `ulimit -S -l 1024; ulimit -H -l 1024; exec sh ${script}`], { reject: false });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("launch.sh: error: gaming passes PCI devices through (VFIO), which locks all of its RAM: it needs a locked-memory limit of 17825792 KiB");
    expect(run.stderr).toContain("but this user's limit is 1024 KiB and cannot be raised");
    expect(run.stderr).toContain("memlock 17825792");
    expect(run.stderr).toContain("/etc/security/limits.conf");
    expect(run.stderr).toContain("LimitMEMLOCK=17G");
    expect(run.stderr).toContain("run launch.sh as root");
  });

  it("goes on when the limit covers it (to the /dev/kvm check, or a stand-in QEMU)", async () => {
    const { out, script } = await passthroughPlan();
    // A stand-in QEMU first on PATH: the script never starts the real one with host devices.
    const bin = join(out, "fake-bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "qemu-system-x86_64"), "#!/bin/sh\necho 'stand-in QEMU started' >&2\n", { mode: 0o755 });
    const run = await execa("sh", ["-c", `ulimit -l unlimited 2>/dev/null || true; [ "$(ulimit -l)" = unlimited ] || exit 99; exec sh ${script}`], { reject: false, env: { PATH: `${bin}:${process.env.PATH}` } });
    if (run.exitCode === 99) return; // this machine's hard limit is lower: the refusal is tested above
    expect(run.stderr).not.toContain("locked-memory");
    expect(run.stderr).toMatch(/passes host PCI devices through, which needs KVM|stand-in QEMU started/);
  });
});

describe("/dev/vfio/<group> for the user who runs launch.sh, through the real CLI", () => {
  const passthrough = (user: string) => readFileSync(join(examplesDir, "gpu-passthrough.toml"), "utf8").replace('accel = "kvm"', `accel = "kvm"\nrun_as = "${user}"`);

  function hostWithUser(root: string, node?: { uid: number; gid: number; mode: number }): string {
    const host = hostCopy(root);
    writeFileSync(join(host, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
    writeFileSync(join(host, "etc", "group"), "root:x:0:\nkvm:x:36:alice\nalice:x:1000:\n");
    if (node) {
      mkdirSync(join(host, "dev", "vfio"), { recursive: true });
      const path = join(host, "dev", "vfio", "2");
      writeFileSync(path, "");
      chownSync(path, node.uid, node.gid);
      chmodSync(path, node.mode);
    }
    return host;
  }

  // Giving a snapshot's node to root or a group needs root.
  const asRoot = it.skipIf(process.getuid?.() !== 0);

  asRoot("root's 0600 node: a warning with the udev rule as the fix", async () => {
    const { root, env } = workspace("vfio-root-node");
    const run = await plan(root, env, passthrough("alice"), hostWithUser(root, { uid: 0, gid: 0, mode: 0o600 }));
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain("alice, who runs launch.sh, cannot open /dev/vfio/2 (owner uid 0, group gid 0, mode 0600)");
    expect(run.output).toContain(`SUBSYSTEM=="vfio", OWNER="alice", MODE="0660"`);
  });

  asRoot("a node of a group alice is in, mode 0660: no warning", async () => {
    const { root, env } = workspace("vfio-group-node");
    const run = await plan(root, env, passthrough("alice"), hostWithUser(root, { uid: 0, gid: 36, mode: 0o660 }));
    expect(run.exitCode).toBe(0);
    expect(run.output).not.toContain("W_VFIO_DEVICE_ACCESS");
    expect(run.output).not.toContain("cannot open /dev/vfio");
  });

  it("no node yet (vfio-pci has not taken the group): says udev will make it root's", async () => {
    const { root, env } = workspace("vfio-no-node");
    const run = await plan(root, env, passthrough("alice"), hostWithUser(root));
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain("/dev/vfio/2 is not there yet");
    expect(run.output).toContain("which alice, who runs launch.sh, cannot open");
  });

  it("run_as = \"root\": nothing to check", async () => {
    const { root, env } = workspace("vfio-as-root");
    const run = await plan(root, env, passthrough("root"), hostWithUser(root, { uid: 0, gid: 0, mode: 0o600 }));
    expect(run.exitCode).toBe(0);
    expect(run.output).not.toContain("/dev/vfio/2");
  });
});
