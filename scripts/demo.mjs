// `pnpm demo`: what vmforge does, on any machine. It checks this host (for information: a
// laptop without KVM or a CI container is a fine place to try vmforge), then plans every
// bundled example against the bundled snapshot of a real GPU host, writing only into out/.
// Where this host can run a VM itself, web-1 is planned for it too.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(repo, "packages", "cli", "dist", "bin.js");
const exampleHost = join("examples", "hosts", "z370-gt1030");
const examples = [
  { file: "web-1.toml", out: "out/web-1", why: "a Linux guest set up by cloud-init: seed ISO, virtio disk, UEFI", show: true },
  { file: "gpu-passthrough.toml", out: "out/gaming", why: "a GT 1030 passed through with its whole IOMMU group, secure boot, TPM, hugepages" },
  { file: "nvme-bridge.toml", out: "out/nvme-bridge", why: "an NVMe system disk, a SCSI data disk, a bridge and port forwards" },
  { file: "minimal.toml", out: "out/minimal", why: "only a name: every default" },
];

function vmforge(args, { quiet = false } = {}) {
  const result = spawnSync(process.execPath, [cli, ...args, ...(quiet ? ["--quiet"] : [])], { cwd: repo, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

function heading(text) {
  process.stdout.write(`\n━━ ${text}\n\n`);
}

heading("1. This machine, as `vmforge check` sees it (for information only)");
const live = vmforge(["check"]);
const liveCanRun = live.status === 0;
process.stdout.write(
  liveCanRun
    ? "\nThis machine can run KVM guests.\n"
    : `\n(vmforge check ended with exit code ${live.status}: this machine cannot run KVM guests as it is. That is fine for the demo: what follows plans VMs for a snapshot of a real GPU host.)\n`,
);

heading(`2. The bundled examples, planned for ${exampleHost} (a snapshot of a real i5-9400 + GT 1030 machine)`);
const failed = [];
for (const example of examples) {
  const args = ["plan", join("examples", example.file), "--host-root", exampleHost, "--out", example.out, "--with", "qemu_setup:generate_libvirt_xml"];
  process.stdout.write(`$ vmforge ${args.join(" ")}\n`);
  const { status, output } = vmforge(args, { quiet: !example.show });
  if (status !== 0) {
    failed.push(example.file);
    process.stdout.write(output);
  } else if (!example.show) {
    process.stdout.write(`  planned ${example.why}: ${example.out}/\n`);
  }
  process.stdout.write("\n");
}

if (liveCanRun) {
  heading("3. web-1 planned for this machine");
  const { status } = vmforge(["plan", join("examples", "web-1.toml"), "--out", "out/live/web-1"]);
  if (status !== 0) process.stdout.write(`(web-1 does not fit this machine as it is: exit code ${status}; the plan above says why.)\n`);
}

if (failed.length > 0) {
  process.stderr.write(`\nThe demo could not plan ${failed.join(", ")} against the bundled host snapshot: that is a bug in vmforge.\n`);
  process.exit(1);
}

const look = [
  ["out/web-1/qemu-command.json", "the QEMU argument array; launch.sh runs it"],
  ["out/web-1/domain.xml", "the same VM for libvirt (`virsh define`)"],
  ["out/web-1/cloud-init/user-data", "cloud-init: the user, key, packages; seed.iso carries it to the guest"],
  ["out/gaming/vfio-plan.json", "which devices go to vfio-pci, the sysfs writes, their undo and the boot-time alternative"],
  ["out/gaming/plan.json", "every effect `vmforge apply` would have, recorded instead of done"],
].filter(([path]) => existsSync(join(repo, path)));
heading("What to look at");
for (const [path, what] of look) process.stdout.write(`  ${path.padEnd(32)} ${what}\n`);
process.stdout.write(
  `\nNothing outside out/ was written. Next: \`pnpm vmforge check --host-root ${exampleHost}\`, or your own VM with \`pnpm vmforge init\`.\n` +
    "To boot web-1 on this machine (it downloads Debian 12's cloud image once, about 400 MiB; TCG without KVM is slow but works):\n" +
    "  pnpm vmforge apply examples/web-1.toml && pnpm vmforge start web-1 --wait\n",
);
