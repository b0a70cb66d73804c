import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";

export function inputElement(input: VmDefinition["input"][number]): XmlElement {
  return element({ type: input.type, bus: input.bus });
}

/** `<input type='evdev'>`: a host keyboard or mouse passed through (QEMU's input-linux object). */
export function evdevInputElement(input: NonNullable<VmDefinition["evdev"]>[number]): XmlElement {
  return element({ type: "evdev" }, { source: element({ dev: input.path, grab: input.grabAll ? "all" : undefined, grabToggle: input.grabToggle ?? undefined, repeat: input.repeat ? "on" : undefined }) });
}
