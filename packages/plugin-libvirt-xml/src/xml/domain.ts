import type { GuestMedium, VmDefinition } from "@vmforge/plugin-qemu-setup";
import { cpuElements } from "./cpu.js";
import { BootOrder } from "./devices/boot-order.js";
import { devicesElement } from "./devices/devices.js";
import { mediumDeviceId } from "./devices/storage.js";
import { memoryElements } from "./memory.js";
import { element, textElement, type XmlElement } from "./node.js";
import { DomainNotes } from "./notes.js";
import { osElement } from "./os.js";
import { clockElement, featuresElement, powerManagementElement } from "./platform.js";
import { serializeDomain } from "./serialize.js";
import { elementText } from "./user-text.js";

export const DEFAULT_EMULATOR = "/usr/bin/qemu-system-x86_64";
const QEMU_NAMESPACE = "http://libvirt.org/schemas/domain/qemu/1.0";

export interface DomainXmlInput {
  definition: VmDefinition;
  /** session.guest_media: images guest plugins attach (the cloud-init seed...). */
  media?: readonly GuestMedium[];
  /** The QEMU binary; the one the QEMU command line uses when known. */
  emulator?: string;
}

export interface DomainXml {
  xml: string;
  /** kvm with KVM, qemu (TCG) without. */
  domainType: "kvm" | "qemu";
  /** What the person should know: representations chosen, programs libvirt will need. */
  notes: string[];
}

/** The libvirt domain of a VM definition, as an XML document. Pure: no I/O. */
export function renderDomainXml(input: DomainXmlInput): DomainXml {
  const { definition } = input;
  const media = input.media ?? [];
  const notes = new DomainNotes();
  const bootOrder = new BootOrder([
    ...definition.disks.map((disk) => ({ device: disk.id, bootIndex: disk.bootIndex, viaQemuArguments: disk.bus === "nvme" })),
    // boot = "first" (an installer) sorts before every disk; renumbering makes it 1.
    ...media.map((medium, position) => ({ device: mediumDeviceId(position), bootIndex: medium.boot === "first" ? 0 : medium.bootIndex, viaQemuArguments: false })),
  ]);
  const domainType = definition.accelerator.type === "kvm" ? "kvm" : "qemu";
  const { vcpu, cpu, cputune } = cpuElements(definition.cpu, definition.accelerator.type, notes);
  const { devices, qemuArguments, qemuOverrides } = devicesElement({ definition, media, emulator: input.emulator ?? DEFAULT_EMULATOR, bootOrder, notes });

  const usesQemuNamespace = qemuArguments.length > 0 || qemuOverrides.length > 0;
  const domain: XmlElement = element({ type: domainType, "xmlns:qemu": usesQemuNamespace ? QEMU_NAMESPACE : undefined });
  Object.assign(domain, {
    name: textElement(definition.name),
    uuid: textElement(definition.uuid),
    ...(definition.description === null ? {} : { description: textElement(elementText("vm.description", definition.description)) }),
    ...memoryElements(definition.memory),
    vcpu,
    ...(cputune ? { cputune } : {}),
    os: osElement(definition.machine, definition.firmware, bootOrder.libvirtBoots),
    features: featuresElement(definition.firmware, definition.cpu.hyperv),
    cpu,
    clock: clockElement(definition.cpu.hyperv),
    on_poweroff: textElement("destroy"),
    on_reboot: textElement("restart"),
    on_crash: textElement("destroy"),
    pm: powerManagementElement(),
    devices,
  });
  if (qemuArguments.length > 0) domain["qemu:commandline"] = { "qemu:arg": qemuArguments.map((value) => element({ value })) };
  if (qemuOverrides.length > 0) {
    domain["qemu:override"] = {
      "qemu:device": qemuOverrides.map((override) =>
        element({ alias: override.alias }, { "qemu:frontend": { "qemu:property": override.properties.map((property) => element(property)) } }),
      ),
    };
  }
  return { xml: serializeDomain(domain), domainType, notes: notes.list() };
}
