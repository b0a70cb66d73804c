import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { firmwareIncompleteError } from "../errors.js";
import { element, textElement, yesNo, type XmlElement } from "./node.js";
import { singleLineText } from "./user-text.js";

type Firmware = VmDefinition["firmware"];

/**
 * `<os>`: q35, and for UEFI the OVMF loader and the per-VM NVRAM named explicitly. Not
 * `<os firmware='efi'>`: libvirt 9.0 (Debian 12) then replaces an explicit loader path with
 * the one it picks from its firmware descriptors, and the VM would boot different OVMF
 * files than the QEMU command line of the same definition.
 */
export function osElement(machine: string, firmware: Firmware, bootByDevice: boolean): XmlElement {
  const children: XmlElement = { type: textElement("hvm", { arch: "x86_64", machine }) };
  if (firmware.type === "uefi") Object.assign(children, uefiElements(firmware));
  // Per-device <boot order> and <os><boot dev> are mutually exclusive in libvirt.
  if (!bootByDevice) children.boot = element({ dev: "hd" });
  return element({}, children);
}

function uefiElements(firmware: Firmware): XmlElement {
  if (firmware.code === null) throw firmwareIncompleteError("OVMF code image (firmware.code)");
  if (firmware.vars === null && firmware.varsTemplate === null) throw firmwareIncompleteError("OVMF vars file or template (firmware.vars, firmware.varsTemplate)");
  const loader = textElement(singleLineText("firmware.code", firmware.code), { readonly: "yes", secure: yesNo(firmware.secureBoot), type: "pflash" });
  const template = firmware.varsTemplate === null ? undefined : singleLineText("firmware.varsTemplate", firmware.varsTemplate);
  const nvram = firmware.vars === null ? element({ template }) : textElement(singleLineText("firmware.vars", firmware.vars), { template });
  return { loader, nvram };
}
