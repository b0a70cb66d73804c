import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "../node.js";
import { singleLineText } from "../user-text.js";

export function rngElement(rng: NonNullable<VmDefinition["rng"]>): XmlElement {
  return element({ model: "virtio" }, { backend: textElement(singleLineText("rng.source", rng.source), { model: "random" }) });
}
