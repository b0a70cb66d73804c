// The programs the bench compares against ("peers") and /usr/bin/time for peak RSS. A missing
// one is installed from Debian's packages when this runs as root with apt-get (set
// BENCH_NO_INSTALL=1 to never install); otherwise its comparison is skipped with the reason.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Program -> the Debian package that ships it (Debian 12 and 13). */
export const PEERS = {
  "virt-install": { debian: "virtinst", version: ["virt-install", ["--version"]] },
  "virt-host-validate": { debian: "libvirt-clients", version: ["virt-host-validate", ["--version"]] },
  "cloud-localds": { debian: "cloud-image-utils" },
  genisoimage: { debian: "genisoimage", version: ["genisoimage", ["--version"]] },
  "/usr/bin/time": { debian: "time" },
};

export function hasCommand(name) {
  if (name.startsWith("/")) return existsSync(name);
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", name], { stdio: "ignore" }).status === 0;
}

/**
 * Makes the named peers available where it can. Returns, for each, `{ ok: true, version }` or
 * `{ ok: false, why }`; never throws.
 */
export function ensurePeers(names, log = (line) => console.log(line)) {
  const missing = names.filter((name) => !hasCommand(name));
  const installable = missing.length > 0 ? installBlocker() : undefined;
  if (missing.length > 0 && installable === undefined) {
    const packages = [...new Set(missing.map((name) => PEERS[name].debian))];
    log(`installing ${packages.join(", ")} for ${missing.join(", ")} (apt-get install --no-install-recommends)`);
    let result = aptGet(["install", "-y", "--no-install-recommends", ...packages]);
    if (result.status !== 0) {
      // A fresh container has no package lists yet.
      aptGet(["update"]);
      result = aptGet(["install", "-y", "--no-install-recommends", ...packages]);
    }
    if (result.status !== 0) log(`apt-get install failed (exit ${result.status}): ${lastLine(result.stderr)}`);
  }
  const status = {};
  for (const name of names) {
    const { debian } = PEERS[name];
    if (hasCommand(name)) status[name] = { ok: true, version: versionOf(name) };
    else if (installable !== undefined) status[name] = { ok: false, why: `${name} is not installed and ${installable} (Debian package ${debian})` };
    else status[name] = { ok: false, why: `${name} is not installed and installing Debian package ${debian} failed` };
  }
  return status;
}

/** Why nothing can be installed here, or undefined when apt-get can. */
function installBlocker() {
  if (process.env.BENCH_NO_INSTALL === "1") return "BENCH_NO_INSTALL=1 forbids installing it";
  if (process.platform !== "linux" || !hasCommand("apt-get")) return "this machine has no apt-get to install it with";
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "the bench is not running as root to install it";
  return undefined;
}

function aptGet(args) {
  return spawnSync("apt-get", ["-q", ...args], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
}

function lastLine(text) {
  return (text ?? "").trim().split("\n").pop() ?? "";
}

/** The program's own version line and its Debian package's version, as far as they are known. */
export function versionOf(name) {
  const peer = PEERS[name];
  let own;
  if (peer?.version) {
    const [file, args] = peer.version;
    const result = spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
    const line = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0]?.replace(/^version:\s*/i, "");
    if (result.status === 0 && line) own = line.includes(file) ? line : `${file} ${line}`;
  }
  let packaged;
  if (peer && hasCommand("dpkg-query")) {
    const result = spawnSync("dpkg-query", ["-W", "-f", "${Version}", peer.debian], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    if (result.status === 0 && result.stdout) packaged = `Debian ${peer.debian} ${result.stdout.trim()}`;
  }
  if (own && packaged) return `${own} (${packaged})`;
  return own ?? packaged ?? "version unknown";
}
