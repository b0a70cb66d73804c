import type { VmNic } from "@vmforge/plugin-qemu-setup/contract";

/**
 * network-config version 2 (netplan) for the definition's NICs: each matched by its MAC,
 * renamed eth0, eth1... in definition order, DHCPv4 on, as cloud-localds users write it.
 */
export function buildNetworkConfig(nics: readonly VmNic[]): Record<string, unknown> {
  const ethernets: Record<string, unknown> = {};
  for (const nic of [...nics].sort((a, b) => a.index - b.index)) {
    ethernets[nic.id] = {
      match: { macaddress: nic.mac },
      "set-name": `eth${nic.index}`,
      dhcp4: true,
      dhcp6: false,
    };
  }
  return { version: 2, ethernets };
}
