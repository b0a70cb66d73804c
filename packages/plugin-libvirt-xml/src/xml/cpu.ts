import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { topologyMismatchError } from "../errors.js";
import { element, textElement, type XmlElement } from "./node.js";
import type { DomainNotes } from "./notes.js";

type Cpu = VmDefinition["cpu"];
type Accelerator = VmDefinition["accelerator"]["type"];

/** `<vcpu>` and `<cpu>`: mode from the requested model, topology that multiplies out to the vCPU count. */
export function cpuElements(cpu: Cpu, accelerator: Accelerator, notes: DomainNotes): { vcpu: XmlElement; cpu: XmlElement } {
  if (cpu.sockets * cpu.cores * cpu.threads !== cpu.vcpus) throw topologyMismatchError(cpu.sockets, cpu.cores, cpu.threads, cpu.vcpus);
  const topology = { topology: element({ sockets: cpu.sockets, cores: cpu.cores, threads: cpu.threads }) };
  return {
    vcpu: textElement(cpu.vcpus, { placement: "static" }),
    cpu: cpuModeElement(cpu.model, accelerator, topology, notes),
  };
}

function cpuModeElement(model: string, accelerator: Accelerator, topology: XmlElement, notes: DomainNotes): XmlElement {
  const hostCpuModel = model === "host-passthrough" || model === "host-model";
  if (hostCpuModel && accelerator === "tcg") {
    // libvirt refuses host-passthrough and host-model without KVM; "maximum" is what TCG can emulate (QEMU's -cpu max).
    notes.add(`CPU model ${model} needs KVM; without it the domain uses <cpu mode='maximum'> (QEMU's -cpu max).`);
    return element({ mode: "maximum", check: "none" }, topology);
  }
  if (model === "host-passthrough") return element({ mode: "host-passthrough", check: "none", migratable: "on" }, topology);
  if (model === "host-model") return element({ mode: "host-model", check: "partial" }, topology);
  if (model === "max") return element({ mode: "maximum", check: "none" }, topology);
  return element({ mode: "custom", match: "exact", check: "none" }, { model: textElement(model, { fallback: "forbid" }), ...topology });
}
