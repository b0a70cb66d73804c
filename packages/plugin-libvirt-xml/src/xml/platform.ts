import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "./node.js";

/** `<features>`: ACPI and APIC always; SMM with secure boot (libvirt requires it for a secure loader). */
export function featuresElement(firmware: VmDefinition["firmware"]): XmlElement {
  const features: XmlElement = { acpi: {}, apic: {} };
  if (firmware.type === "uefi" && firmware.secureBoot) features.smm = element({ state: "on" });
  return features;
}

/** `<clock>` as virt-install writes it for a Linux guest: UTC, RTC catch-up, no HPET. */
export function clockElement(): XmlElement {
  return element(
    { offset: "utc" },
    {
      timer: [element({ name: "rtc", tickpolicy: "catchup" }), element({ name: "pit", tickpolicy: "delay" }), element({ name: "hpet", present: "no" })],
    },
  );
}

/** `<pm>`: guest suspend off, as virt-install does. */
export function powerManagementElement(): XmlElement {
  return { "suspend-to-mem": element({ enabled: "no" }), "suspend-to-disk": element({ enabled: "no" }) };
}
