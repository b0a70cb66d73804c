import type { VmNic } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";
import { libvirtPatterns, restrictedText } from "../user-text.js";

const MODEL = { "virtio-net-pci": "virtio", e1000e: "e1000e" } as const;

/**
 * `<interface>` by mode: user -> type='user', bridge -> type='bridge', tap -> type='ethernet'
 * on the existing tap (managed='no'), macvtap -> type='direct' in bridge mode. A user-mode NIC
 * with port forwards is not an <interface>: see user-network-forwards.ts.
 */
export function interfaceElement(nic: VmNic): XmlElement {
  const field = `network[${nic.index}]`;
  const common = { mac: element({ address: nic.mac }), model: element({ type: MODEL[nic.model] }) };
  switch (nic.mode) {
    case "user":
      return element({ type: "user" }, common);
    case "bridge":
      return element({ type: "bridge" }, { ...common, source: element({ bridge: hostName(`${field}.bridge`, nic.bridge) }) });
    case "tap":
      return element({ type: "ethernet" }, { ...common, target: element({ dev: hostName(`${field}.tap`, nic.tap), managed: "no" }) });
    case "macvtap":
      return element({ type: "direct" }, { ...common, source: element({ dev: hostName(`${field}.device`, nic.device), mode: "bridge" }) });
  }
}

function hostName(field: string, value: string | null): string {
  return restrictedText(field, value ?? "", libvirtPatterns.deviceName);
}
