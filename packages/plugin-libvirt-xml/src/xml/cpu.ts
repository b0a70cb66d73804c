import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { topologyMismatchError } from "../errors.js";
import { element, textElement, type XmlElement } from "./node.js";
import type { DomainNotes } from "./notes.js";

type Cpu = VmDefinition["cpu"];
type Accelerator = VmDefinition["accelerator"]["type"];

/**
 * `<vcpu>` and `<cpu>`: mode from the requested model, topology that multiplies out to the vCPU
 * count; for a pinned host-passthrough CPU under KVM the host's caches (and AMD's topoext, so
 * the guest sees SMT threads). `<cputune>` when the vCPUs are pinned.
 */
export function cpuElements(cpu: Cpu, accelerator: Accelerator, notes: DomainNotes): { vcpu: XmlElement; cpu: XmlElement; cputune?: XmlElement } {
  if (cpu.sockets * cpu.cores * cpu.threads !== cpu.vcpus) throw topologyMismatchError(cpu.sockets, cpu.cores, cpu.threads, cpu.vcpus);
  const kvmHostModel = accelerator === "kvm" && cpu.model === "host-passthrough";
  const topology: XmlElement = {
    topology: element({ sockets: cpu.sockets, cores: cpu.cores, threads: cpu.threads }),
    ...(cpu.cachePassthrough && kvmHostModel ? { cache: element({ mode: "passthrough" }) } : {}),
    ...(cpu.topoext && kvmHostModel ? { feature: element({ policy: "require", name: "topoext" }) } : {}),
  };
  const pinning = cpu.pinning;
  if (pinning && pinning.vcpus.length !== cpu.vcpus) throw topologyMismatchError(cpu.sockets, cpu.cores, cpu.threads, pinning.vcpus.length);
  return {
    vcpu: textElement(cpu.vcpus, { placement: "static" }),
    cpu: cpuModeElement(cpu.model, accelerator, topology, notes),
    ...(pinning ? { cputune: cputuneElement(pinning) } : {}),
  };
}

/** `<cputune>`: each vCPU on its host CPU, the emulator (and I/O threads, when any) beside them. */
function cputuneElement(pinning: NonNullable<Cpu["pinning"]>): XmlElement {
  return {
    vcpupin: pinning.vcpus.map((host, vcpu) => element({ vcpu, cpuset: host })),
    ...(pinning.emulator.length > 0 ? { emulatorpin: element({ cpuset: pinning.emulator.join(",") }) } : {}),
    ...(pinning.iothreads.length > 0 ? { iothreadpin: element({ iothread: 1, cpuset: pinning.iothreads.join(",") }) } : {}),
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
