import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "../node.js";

export function inputElement(input: VmDefinition["input"][number]): XmlElement {
  return element({ type: input.type, bus: input.bus });
}
