import { element, type XmlElement } from "../node.js";

/** TPM 2.0 on a CRB interface (what q35 and Windows 11 expect), emulated by an swtpm libvirt starts itself. */
export function tpmElement(): XmlElement {
  return element({ model: "tpm-crb" }, { backend: element({ type: "emulator", version: "2.0" }) });
}
