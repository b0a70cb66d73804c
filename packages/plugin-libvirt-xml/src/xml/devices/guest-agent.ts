import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";

/**
 * The guest agent's virtio-serial port. The socket path is left to libvirt (as virt-install
 * does): `virsh qemu-agent-command` and `virsh domifaddr --source agent` find it there.
 */
export function guestAgentChannelElement(agent: NonNullable<VmDefinition["guestAgent"]>): XmlElement {
  return element({ type: "unix" }, { source: element({ mode: "bind" }), target: element({ type: "virtio", name: agent.channel }) });
}
