// `vmforge plan` of examples/web-1.toml on the bundled host snapshot against `node -e 0` and
// `virt-install --print-xml --dry-run` of the same VM on libvirt's test driver; then the peak RSS
// of both with GNU time.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { alternate, alternatePeakRss, freshHomes, row, tempDir } from "../lib.mjs";

export const name = "plan";
export const tags = ["cli"];
export const peers = ["virt-install", "/usr/bin/time"];

/** The same VM as examples/web-1.toml: 2 vCPUs, 2 GiB, UEFI (the OVMF the snapshot has), a 20 GiB virtio qcow2, user networking, no display, the same cloud-init. */
export function virtInstallArgs(cloudInit) {
  return [
    "--connect", "test:///default", "--print-xml", "--dry-run",
    "--name", "web-1", "--vcpus", "2", "--memory", "2048",
    // The test driver offers no firmware auto-selection (`--boot uefi`): name the files.
    "--boot", "loader=/usr/share/OVMF/OVMF_CODE_4M.fd,loader.readonly=yes,loader.type=pflash,nvram.template=/usr/share/OVMF/OVMF_VARS_4M.fd",
    "--disk", "size=20,bus=virtio,format=qcow2",
    "--import", "--osinfo", "linux2022",
    "--network", "user,model=virtio",
    "--graphics", "none",
    "--cloud-init", ["user-data", "meta-data", "network-config"].map((file) => `${file}=${join(cloudInit, file)}`).join(","),
  ];
}

export async function run({ root, cli, node, peerStatus }) {
  const work = tempDir("plan");
  // VMFORGE_OFFLINE=1: the example's image (debian-12) is not in the fresh cache, and would otherwise be looked up on the network.
  const planEnv = () => ({ ...freshHomes(), VMFORGE_OFFLINE: "1" });
  const planArgs = (index) => [cli, "plan", "examples/web-1.toml", "--host-root", "examples/hosts/z370-gt1030", "--out", join(work, `out-${index}`), "--json"];
  let runs = 0;
  const plan = { label: "plan", file: node, args: () => planArgs(runs++), cwd: root, env: planEnv };
  const baseline = { label: "node", file: node, args: ["-e", "0"] };

  // One plan first, for its cloud-init files (virt-install gets the same) and to fail early.
  const first = spawnSync(node, planArgs("setup"), { cwd: root, env: { ...process.env, ...planEnv() }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const cloudInit = join(work, "out-setup", "cloud-init");
  if (first.status !== 0 || !existsSync(join(cloudInit, "user-data"))) {
    const failed = `vmforge plan exited ${first.status}: ${`${first.stderr}`.trim().split("\n").slice(-2).join(" / ").slice(0, 300)}`;
    return { rows: [row("`vmforge plan examples/web-1.toml`", { failed })] };
  }
  const virtInstall = peerStatus["virt-install"];
  const peer = { label: "virt-install", file: "virt-install", args: virtInstallArgs(cloudInit), cwd: work };
  const results = await alternate([plan, baseline, ...(virtInstall.ok ? [peer] : [])]);
  if (!virtInstall.ok) results.set("virt-install", { skipped: virtInstall.why });
  const against = [
    { name: "`node -e 0`", result: results.get("node") },
    { name: "`virt-install --print-xml --dry-run`", result: results.get("virt-install") },
  ];
  const rows = [
    row("`node -e 0` (baseline of the next 2 rows)", results.get("node")),
    row("`vmforge plan examples/web-1.toml --host-root …/z370-gt1030 --out DIR --json`", results.get("plan"), { against, target: { limit: 2, text: "≤ 2x `node -e 0`" } }),
    row("`virt-install --connect test:///default --print-xml --dry-run` of web-1", results.get("virt-install")),
  ];

  const time = peerStatus["/usr/bin/time"];
  let rss;
  if (time.ok) rss = await alternatePeakRss([plan, baseline]);
  else rss = new Map(["plan", "node"].map((label) => [label, { skipped: `peak RSS unknown: ${time.why}` }]));
  rows.push(
    row("peak RSS of `node -e 0`", rss.get("node"), { unit: "MB" }),
    row("peak RSS of `vmforge plan examples/web-1.toml …`", rss.get("plan"), { unit: "MB", against: [{ name: "`node -e 0`", result: rss.get("node") }] }),
  );
  return {
    rows,
    notes: [
      "`plan` runs with `VMFORGE_OFFLINE=1` (the example's disk image, Debian 12's cloud image, is otherwise looked up on the network: it is not in the fresh cache) and fresh `VMFORGE_DATA_HOME`, `VMFORGE_CONFIG_HOME` and `VMFORGE_CACHE_HOME` folders and a fresh `--out` folder per run.",
      `\`virt-install\` gets the same VM: \`virt-install ${virtInstallArgs("CLOUD-INIT").join(" ")}\` (CLOUD-INIT: the cloud-init files of a plan of web-1). The test driver makes an i686 domain; its XML has both boot phases, as with the QEMU driver.`,
      "Peak RSS: GNU time's `%M` (maximum resident set size) of the process, in MB (MiB), round-robin like the times.",
    ],
  };
}
