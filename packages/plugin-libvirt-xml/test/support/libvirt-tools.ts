import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, writeFile, appendFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { all, file, requirement, tool, type Requirement } from "@vmforge/test-support";

/** Writes an XML document to a fresh temporary file and returns its path. */
export async function writeTempXml(xml: string, name = "domain.xml"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vmforge-libvirt-xml-"));
  const path = join(dir, name);
  await writeFile(path, xml);
  return path;
}

export interface ToolResult {
  exitCode: number;
  output: string;
}

/** `virt-xml-validate FILE domain`: libvirt's RelaxNG schema (rc 0 valid, 3 invalid). */
export async function virtXmlValidate(path: string): Promise<ToolResult> {
  const result = await execa("virt-xml-validate", [path, "domain"], { reject: false, all: true });
  return { exitCode: result.exitCode ?? -1, output: result.all ?? "" };
}

/** `virsh -c test:///default define --validate FILE`: libvirt's parser too (duplicates, enums), no daemon. */
export async function virshDefineOnTestDriver(path: string): Promise<ToolResult> {
  const result = await execa("virsh", ["-c", "test:///default", "define", "--validate", path], { reject: false, all: true });
  return { exitCode: result.exitCode ?? -1, output: result.all ?? "" };
}

/** Defines the domain on the test driver and prints it back as libvirt stores it (one virsh session). */
export async function virshDefineAndDump(path: string, name: string): Promise<string> {
  const result = await execa("virsh", ["-c", "test:///default", `define --validate '${path.replace(/'/g, "'\\''")}' ; dumpxml ${name}`]);
  return result.stdout.slice(result.stdout.indexOf("<domain"));
}

/*
 * `virsh domxml-to-native qemu-argv` needs libvirt's QEMU driver. It runs in-process with the
 * embedded URI (qemu:///embed?root=DIR), no daemon, but the Debian build resolves its
 * compiled-in user `libvirt-qemu` first; where that user does not exist (libvirt-daemon-system
 * creates it), a private mount namespace shows virsh a passwd and group that have it, so the
 * host's files stay untouched. Needs root (unshare -m), libvirt-daemon-driver-qemu, and swtpm
 * for domains with a TPM (libvirt asks swtpm what it supports).
 */
const QEMU_DRIVER_MODULE = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so";

/** `virsh domxml-to-native` and paused starts: libvirt's QEMU driver and root for `unshare -m`. */
export function libvirtQemuDriver(): Requirement {
  const virsh = tool("virsh", "libvirt-clients");
  if (!existsSync(QEMU_DRIVER_MODULE)) return all(virsh, file(QEMU_DRIVER_MODULE, "libvirt's QEMU driver", "libvirt-daemon-driver-qemu"));
  return all(virsh, requirement(spawnSync("unshare", ["-m", "true"], { stdio: "ignore" }).status === 0, "a private mount namespace (unshare -m, as root) is not available"));
}

let embedRoot: Promise<string> | undefined;

async function prepareEmbedRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "vmforge-libvirt-embed-"));
  await mkdir(join(root, "etc"), { recursive: true });
  // Root throughout and no relabelling: the test's files keep their owner and get no security xattrs; no virtlogd needed.
  const settings = ['user = "root"', 'group = "root"', 'swtpm_user = "root"', 'swtpm_group = "root"', 'security_driver = "none"', "remember_owner = 0", 'stdio_handler = "file"'];
  await writeFile(join(root, "etc", "qemu.conf"), `${settings.join("\n")}\n`);
  await copyFile("/etc/passwd", join(root, "passwd"));
  await copyFile("/etc/group", join(root, "group"));
  const passwd = await readFile(join(root, "passwd"), "utf8");
  if (!/^libvirt-qemu:/m.test(passwd)) await appendFile(join(root, "passwd"), "libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin\n");
  const group = await readFile(join(root, "group"), "utf8");
  if (!/^libvirt-qemu:/m.test(group)) await appendFile(join(root, "group"), "libvirt-qemu:x:64055:\n");
  if (!/^kvm:/m.test(group)) await appendFile(join(root, "group"), "kvm:x:64056:\n");
  return root;
}

/** Runs one virsh command line (several commands joined by ";") against the embedded QEMU driver. */
async function embeddedVirsh(commands: string, path: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  embedRoot ??= prepareEmbedRoot();
  const root = await embedRoot;
  const script = [
    `mount --bind "${root}/passwd" /etc/passwd`,
    `mount --bind "${root}/group" /etc/group`,
    `exec virsh -c "qemu:///embed?root=${root}" "${commands}"`,
  ].join(" && ");
  const result = await execa("unshare", ["-m", "sh", "-c", script, "sh", path], { reject: false });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The QEMU argv libvirt would run for a domain, split into arguments. */
export async function libvirtQemuArgv(path: string): Promise<string[]> {
  const result = await embeddedVirsh("domxml-to-native qemu-argv $1", path);
  if (result.exitCode !== 0) throw new Error(`virsh domxml-to-native failed (${result.exitCode}): ${result.stderr}`);
  const words = splitShellWords(result.stdout.trim());
  // virsh prints the environment first (LC_ALL=C PATH=... HOME=...), then the program.
  return words.slice(words.findIndex((word) => !/^[A-Z_]+=/.test(word)));
}

/**
 * libvirt starts the domain for real (QEMU paused, so no guest code runs), runs HMP commands
 * in it, and destroys it, all in one virsh session of the embedded driver.
 */
export async function startPausedWithLibvirt(path: string, name: string, hmpCommands: string[] = []): Promise<{ exitCode: number; output: string }> {
  const commands = ["create --paused $1", ...hmpCommands.map((command) => `qemu-monitor-command ${name} --hmp '${command}'`), `destroy ${name}`].join(" ; ");
  const result = await embeddedVirsh(commands, path);
  return { exitCode: result.exitCode, output: `${result.stdout}\n${result.stderr}` };
}

/** Splits virsh's printed command line (single-quoted JSON, bare words) into arguments. */
function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let quoted = false;
  let inWord = false;
  for (const character of line) {
    if (quoted) {
      if (character === "'") quoted = false;
      else current += character;
    } else if (character === "'") {
      quoted = true;
      inWord = true;
    } else if (character === " " || character === "\n") {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += character;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
