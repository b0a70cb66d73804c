import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { DNS_SUBDOMAIN } from "../config-schema.js";
import type { Findings } from "./findings.js";

export interface NetworkParts {
  interfaces: Record<string, unknown>[];
  networks: Record<string, unknown>[];
}

/**
 * Each NIC as an interface and a network, with the definition's MAC (network-config matches on it):
 *   user                       masquerade on the pod network (only one NIC can have it)
 *   bridge / tap / macvtap     bridge binding on a Multus network named after the bridge (tap, host interface)
 */
export function networkParts(definition: VmDefinition, findings: Findings): NetworkParts {
  const parts: NetworkParts = { interfaces: [], networks: [] };
  let podNetwork = false;
  for (const nic of definition.nics) {
    const model = nic.model === "virtio-net-pci" ? "virtio" : "e1000e";
    if (nic.forwards.length > 0) {
      const list = nic.forwards.map((forward) => `${forward.protocol}:${forward.hostPort}:${forward.guestPort}`).join(", ");
      findings.warn(["network", nic.index, "forward"], `port forwards from this host (${list}) have no place in a VirtualMachine; the guest's ports are reachable on the pod's IP`, "Expose them with a Service (virtctl expose vm ... --port ... --target-port ...).");
    }
    if (nic.mode === "user") {
      if (podNetwork) {
        findings.warn(["network", nic.index, "mode"], "KubeVirt gives a VM one pod network; this second user-mode NIC is left out", "Keep one user-mode NIC, or use a bridge for the others.");
        continue;
      }
      podNetwork = true;
      parts.interfaces.push({ name: nic.id, masquerade: {}, model, macAddress: nic.mac });
      parts.networks.push({ name: nic.id, pod: {} });
      continue;
    }
    const hostName = nic.mode === "bridge" ? nic.bridge : nic.mode === "tap" ? nic.tap : nic.device;
    if (nic.mode !== "bridge") {
      findings.warn(["network", nic.index, nic.mode === "tap" ? "tap" : "device"], `a ${nic.mode} interface of this host (${hostName ?? "?"}) has no place in KubeVirt; the NIC is a bridge on the Multus network ${networkName(hostName ?? nic.id)}`, "Create a NetworkAttachmentDefinition of that name on the nodes' network.");
    }
    const network = networkName(hostName ?? nic.id);
    if (nic.mode === "bridge" && network !== hostName) {
      findings.warn(["network", nic.index, "bridge"], `the bridge name ${hostName ?? ""} is not a Kubernetes object name; the Multus network is called ${network}`);
    }
    parts.interfaces.push({ name: nic.id, bridge: {}, model, macAddress: nic.mac });
    parts.networks.push({ name: nic.id, multus: { networkName: network } });
    findings.note(`${nic.id}: a NetworkAttachmentDefinition named ${network} (a bridge CNI on the nodes' ${hostName ?? "network"}) must exist in the VM's namespace.`);
  }
  return parts;
}

/** A host interface name as a Kubernetes object name: lower case, other characters as "-". */
function networkName(name: string): string {
  const lower = name.toLowerCase();
  if (DNS_SUBDOMAIN.test(lower)) return lower;
  const cleaned = lower.replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return cleaned === "" ? "net" : cleaned;
}
