// `vmforge check --json` on this host and on the bundled host snapshot, against `node -e 0` and
// libvirt's `virt-host-validate qemu`.
import { alternate, freshHomes, row } from "../lib.mjs";

export const name = "check";
export const tags = ["cli"];
export const peers = ["virt-host-validate"];

export async function run({ root, cli, node, peerStatus }) {
  const baseline = { label: "node", file: node, args: ["-e", "0"] };
  // Exit 3 is a right answer: this host cannot run KVM guests (no /dev/kvm in most VMs and CI).
  const live = { label: "live", file: node, args: [cli, "check", "--json"], cwd: root, env: () => freshHomes(), okCodes: [0, 3] };
  const snapshot = { label: "snapshot", file: node, args: [cli, "check", "--json", "--host-root", "examples/hosts/z370-gt1030"], cwd: root, env: () => freshHomes(), okCodes: [0, 3] };
  // It exits 1 or 2 when a check fails or warns, as it does in a VM.
  const validator = { label: "validator", file: "virt-host-validate", args: ["qemu"], cwd: root, okCodes: [0, 1, 2] };
  const peer = peerStatus["virt-host-validate"];
  const results = await alternate([live, baseline, snapshot, ...(peer.ok ? [validator] : [])]);
  if (!peer.ok) results.set("validator", { skipped: peer.why });
  const against = [
    { name: "`node -e 0`", result: results.get("node") },
    { name: "`virt-host-validate qemu`", result: results.get("validator") },
  ];
  const target = { limit: 1.5, text: "≤ 1.5x `node -e 0`" };
  return {
    rows: [
      row("`node -e 0` (baseline of the next 3 rows)", results.get("node")),
      row("`vmforge check --json` (this host; exit 3 accepted)", results.get("live"), { against, target }),
      row("`vmforge check --json --host-root examples/hosts/z370-gt1030`", results.get("snapshot"), { against, target }),
      row("`virt-host-validate qemu` (this host; exit 1 or 2 accepted)", results.get("validator")),
    ],
    notes: ["`virt-host-validate` reads the live host only; both `check` rows are compared with the same runs of it."],
  };
}
