import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "./node.js";

type Memory = VmDefinition["memory"];

/**
 * `<memory>`, `<currentMemory>` and, with hugepages, `<memoryBacking>`: hugepages from a memfd
 * (no hugetlbfs mount needed, whatever the page size), shared and allocated up front, which is
 * what the QEMU command line of the same definition asks for (memory-backend-memfd, hugetlb=on,
 * share=on, prealloc=on).
 */
export function memoryElements(memory: Memory): { memory: XmlElement; currentMemory: XmlElement; memoryBacking?: XmlElement } {
  const kib = Math.floor(memory.bytes / 1024);
  const elements = { memory: textElement(kib, { unit: "KiB" }), currentMemory: textElement(kib, { unit: "KiB" }) };
  if (!memory.hugepages) return elements;
  const page: XmlElement = memory.hugepageSizeBytes === null ? {} : { page: pageElement(memory.hugepageSizeBytes) };
  return {
    ...elements,
    memoryBacking: element(
      {},
      { hugepages: element({}, page), source: element({ type: "memfd" }), access: element({ mode: "shared" }), allocation: element({ mode: "immediate" }) },
    ),
  };
}

/** `<page size='1' unit='G'/>` for 1 GiB pages (as libvirt's documentation writes it), else KiB. */
function pageElement(bytes: number): XmlElement {
  const GiB = 1024 ** 3;
  return bytes % GiB === 0 ? element({ size: bytes / GiB, unit: "G" }) : element({ size: Math.floor(bytes / 1024), unit: "KiB" });
}
