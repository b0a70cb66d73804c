import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "../contract.js";
import type { CheckReport } from "./report.js";

/** Bridges and macvtap parents exist on the host. */
export function checkNetwork(request: UserVmRequest, env: EnvironmentData, report: CheckReport): void {
  const interfaces = env.network.interfaces;
  for (const [index, nic] of request.network.entries()) {
    if (nic.mode === "bridge" && nic.bridge !== undefined) {
      const found = interfaces.find((candidate) => candidate.name === nic.bridge);
      if (interfaces.length === 0) report.warn({ code: "W_BRIDGE_UNCHECKED", text: `network[${index}]: the host's interfaces are unknown; bridge ${nic.bridge} could not be checked.` });
      else if (!found) {
        const bridges = interfaces.filter((candidate) => candidate.bridge).map((candidate) => candidate.name);
        report.problem("E_BRIDGE_MISSING", ["network", index, "bridge"], `the host has no bridge ${nic.bridge}`, {
          received: JSON.stringify(nic.bridge),
          expected: bridges.length ? `one of the host's bridges: ${bridges.join(", ")}` : "a bridge on the host (it has none)",
          fix: `Create it (e.g. \`nmcli con add type bridge ifname ${nic.bridge}\`), or use mode = "user".`,
        });
      } else if (!found.bridge) {
        report.problem("E_BRIDGE_MISSING", ["network", index, "bridge"], `${nic.bridge} exists but is not a bridge (${found.kind})`, {
          received: JSON.stringify(nic.bridge),
          expected: "a bridge interface",
          fix: `Use mode = "macvtap" with device = "${nic.bridge}", or create a bridge with ${nic.bridge} as its port.`,
        });
      }
    }
    if (nic.mode === "macvtap" && nic.device !== undefined && interfaces.length > 0 && !interfaces.some((candidate) => candidate.name === nic.device)) {
      report.problem("E_NETWORK_DEVICE_MISSING", ["network", index, "device"], `the host has no interface ${nic.device}`, {
        received: JSON.stringify(nic.device),
        expected: `one of: ${interfaces.filter((candidate) => candidate.kind !== "loopback").map((candidate) => candidate.name).join(", ")}`,
      });
    }
  }
}
