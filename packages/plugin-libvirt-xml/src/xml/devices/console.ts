import { element, type XmlElement } from "../node.js";

/**
 * The serial console on a pty, read with `virsh console NAME`. The definition's stdio or
 * runDir socket is for a QEMU started by hand; under libvirt the daemon owns QEMU's stdio and
 * may not reach the user's folders, so libvirt's own console is the equivalent.
 */
export function serialConsoleElements(): { serial: XmlElement; console: XmlElement } {
  return {
    serial: element({ type: "pty" }, { target: element({ type: "isa-serial", port: 0 }, { model: element({ name: "isa-serial" }) }) }),
    console: element({ type: "pty" }, { target: element({ type: "serial", port: 0 }) }),
  };
}
