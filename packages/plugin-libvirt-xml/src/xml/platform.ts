import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, type XmlElement } from "./node.js";

type Hyperv = NonNullable<VmDefinition["cpu"]["hyperv"]>;

/**
 * `<features>`: ACPI and APIC always; SMM with secure boot (libvirt requires it for a secure
 * loader); Hyper-V enlightenments and a vendor id (`<hyperv mode='custom'>`), KVM hidden.
 */
export function featuresElement(firmware: VmDefinition["firmware"], hyperv?: Hyperv | null): XmlElement {
  const features: XmlElement = { acpi: {}, apic: {} };
  if (hyperv) {
    const hv = hypervElement(hyperv);
    if (Object.keys(hv).length > 1) features.hyperv = hv;
    if (hyperv.hideHypervisor) features.kvm = { hidden: element({ state: "on" }) };
  }
  if (firmware.type === "uefi" && firmware.secureBoot) features.smm = element({ state: "on" });
  return features;
}

/** libvirt's element for each enlightenment; `time` is a clock timer (hypervclock), not a feature. */
function hypervElement(hyperv: Hyperv): XmlElement {
  const on = { state: "on" };
  const hv: XmlElement = element({ mode: "custom" });
  for (const name of hyperv.enlightenments) {
    if (name === "time") continue;
    if (name === "spinlocks") hv.spinlocks = element({ ...on, retries: hyperv.spinlockRetries });
    else if (name === "stimer") hv.stimer = element(on, hyperv.stimerDirect ? { direct: element(on) } : {});
    else hv[name] = element(on);
  }
  if (hyperv.vendorId !== null) hv.vendor_id = element({ ...on, value: hyperv.vendorId });
  return hv;
}

/** `<clock>` as virt-install writes it for a Linux guest: UTC, RTC catch-up, no HPET; the Hyper-V clock with hv-time. */
export function clockElement(hyperv?: Hyperv | null): XmlElement {
  return element(
    { offset: "utc" },
    {
      timer: [
        element({ name: "rtc", tickpolicy: "catchup" }),
        element({ name: "pit", tickpolicy: "delay" }),
        element({ name: "hpet", present: "no" }),
        ...(hyperv?.enlightenments.includes("time") ? [element({ name: "hypervclock", present: "yes" })] : []),
      ],
    },
  );
}

/** `<pm>`: guest suspend off, as virt-install does. */
export function powerManagementElement(): XmlElement {
  return { "suspend-to-mem": element({ enabled: "no" }), "suspend-to-disk": element({ enabled: "no" }) };
}
