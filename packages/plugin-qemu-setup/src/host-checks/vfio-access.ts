import { statSync } from "node:fs";
import type { HostRoot } from "@vmforge/kernel";
import type { HostDevice } from "../contract.js";
import type { Warning } from "./report.js";

interface Account {
  uid: number;
  gids: Set<number>;
}

/** A user's uid and groups from the host's /etc/passwd and /etc/group; undefined when they do not name it. */
async function accountOf(host: HostRoot, user: string): Promise<Account | undefined> {
  const passwd = await host.readText("/etc/passwd");
  const entry = passwd?.split("\n").map((line) => line.split(":")).find((fields) => fields[0] === user && fields.length >= 4);
  if (!entry) return undefined;
  const uid = Number(entry[2]);
  const gid = Number(entry[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  const gids = new Set([gid]);
  const groups = (await host.readText("/etc/group")) ?? "";
  for (const fields of groups.split("\n").map((line) => line.split(":"))) {
    const id = Number(fields[2]);
    if (fields.length >= 4 && Number.isInteger(id) && fields[3]!.split(",").includes(user)) gids.add(id);
  }
  return { uid, gids };
}

/**
 * QEMU opens /dev/vfio/<group> for each group it is given; udev makes the node root's with mode
 * 0600 unless a rule says otherwise, so a non-root user who runs launch.sh needs one. Warnings
 * (the plan still stands: the rule can come before the first start), with the rule as the fix.
 */
export async function vfioAccessWarnings(host: HostRoot, devices: readonly HostDevice[], runAs: string | null | undefined): Promise<Warning[]> {
  const groups = [...new Set(devices.map((device) => device.iommuGroup).filter((group): group is number => group !== undefined))].sort((a, b) => a - b);
  if (groups.length === 0 || runAs === "root") return [];
  const user = runAs ?? "<user>";
  const fix = `Let ${user} open the VFIO groups with a udev rule: \`echo 'SUBSYSTEM=="vfio", OWNER="${user}", MODE="0660"' | sudo tee /etc/udev/rules.d/10-vmforge-vfio.rules && sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=vfio\`; or run launch.sh as root.`;
  if (runAs === null || runAs === undefined) {
    return [{ code: "W_VFIO_DEVICE_ACCESS", text: `Who runs launch.sh is unknown: QEMU needs read and write access to ${groups.map((group) => `/dev/vfio/${group}`).join(", ")}.`, fix }];
  }
  const account = await accountOf(host, runAs);
  const warnings: Warning[] = [];
  for (const group of groups) {
    const node = `/dev/vfio/${group}`;
    const real = await host.resolve(node);
    if (real === undefined) {
      warnings.push({
        code: "W_VFIO_DEVICE_ACCESS",
        text: `${node} is not there yet (it appears when vfio-pci takes IOMMU group ${group}); udev makes it root's with mode 0600, which ${runAs}, who runs launch.sh, cannot open.`,
        fix,
      });
      continue;
    }
    if (!account) {
      warnings.push({ code: "W_VFIO_DEVICE_ACCESS", text: `Whether ${runAs} may open ${node} cannot be told: ${host.isLive ? "" : "this snapshot's "}/etc/passwd does not name ${runAs}.`, fix });
      continue;
    }
    const stats = statSync(real);
    const mode = stats.mode & 0o777;
    const allowed = (stats.uid === account.uid && (mode & 0o600) === 0o600) || (account.gids.has(stats.gid) && (mode & 0o060) === 0o060) || (mode & 0o006) === 0o006;
    if (!allowed) {
      warnings.push({
        code: "W_VFIO_DEVICE_ACCESS",
        text: `${runAs}, who runs launch.sh, cannot open ${node} (owner uid ${stats.uid}, group gid ${stats.gid}, mode ${mode.toString(8).padStart(4, "0")}): QEMU would fail to take IOMMU group ${group}.`,
        fix,
      });
    }
  }
  return warnings;
}
