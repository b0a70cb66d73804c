import { join } from "node:path";
import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";
import { singleLineText } from "../user-text.js";

/**
 * The serial console on a pty, read with `virsh console NAME`. The definition's runDir socket
 * is for a QEMU started by launch.sh; under libvirt the daemon owns QEMU's chardevs, so
 * libvirt's own console is the equivalent. What the guest writes is logged to the same
 * runDir/serial.log as the launch script's (written by libvirt, restarted at each start), so
 * `vmforge start --wait` reads one file either way.
 */
export function serialConsoleElements(definition: VmDefinition): { serial: XmlElement; console: XmlElement } {
  const log = definition.serial.log ?? join(definition.runDir, "serial.log");
  return {
    serial: element(
      { type: "pty" },
      { log: element({ file: singleLineText("serial.log", log), append: "off" }), target: element({ type: "isa-serial", port: 0 }, { model: element({ name: "isa-serial" }) }) },
    ),
    console: element({ type: "pty" }, { target: element({ type: "serial", port: 0 }) }),
  };
}
