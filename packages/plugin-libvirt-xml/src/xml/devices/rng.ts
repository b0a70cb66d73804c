import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "../node.js";
import { elementText } from "../user-text.js";

export function rngElement(rng: NonNullable<VmDefinition["rng"]>): XmlElement {
  return element({ model: "virtio" }, { backend: textElement(elementText("rng.source", rng.source), { model: "random" }) });
}
