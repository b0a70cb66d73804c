import type { VmNic } from "@vmforge/plugin-qemu-setup";
import type { XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import { interfaceElement } from "./interfaces.js";
import { hasPortForwards, userNetworkArguments } from "./user-network-forwards.js";

/** `<interface>`s, and QEMU arguments for user-mode NICs with port forwards. */
export function networkDevices(nics: readonly VmNic[], notes: DomainNotes): { interfaces: XmlElement[]; qemuArguments: string[] } {
  const interfaces: XmlElement[] = [];
  const qemuArguments: string[] = [];
  for (const nic of nics) {
    if (!hasPortForwards(nic)) {
      interfaces.push(interfaceElement(nic));
      continue;
    }
    qemuArguments.push(...userNetworkArguments(nic));
    notes.add("User networking with port forwards is passed to QEMU in <qemu:commandline> (libvirt 9.0 forwards ports only with passt, which it does not accept here): `virsh domiflist` does not list that NIC.");
  }
  return { interfaces, qemuArguments };
}
