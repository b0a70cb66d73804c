import type { UserVmRequest, VmDefinition } from "@vmforge/plugin-qemu-setup";
import type { Findings } from "./findings.js";
import { binaryQuantity } from "./quantity.js";

/** libvirt CPU modes KubeVirt passes through; any other value is a CPU model name. */
const CPU_MODES = new Set(["host-passthrough", "host-model"]);
const DEFAULT_HUGEPAGE = 2 * 1024 ** 2;

/** spec.template.spec.domain without its devices: CPU, memory, machine, firmware, features. */
export function domainBasics(definition: VmDefinition, request: UserVmRequest, findings: Findings): Record<string, unknown> {
  const cpu: Record<string, unknown> = { sockets: definition.cpu.sockets, cores: definition.cpu.cores, threads: definition.cpu.threads };
  if (definition.cpu.model === "max") {
    findings.warn(["cpu", "model"], 'KubeVirt has no CPU model "max" (QEMU\'s every-feature model); the VM gets the cluster\'s default CPU model', 'Use "host-passthrough", "host-model" or a named model such as "Skylake-Client".');
  } else {
    cpu["model"] = definition.cpu.model;
    if (!CPU_MODES.has(definition.cpu.model)) findings.note(`CPU model ${definition.cpu.model}: KubeVirt schedules the VM only on nodes whose CPUs offer it (label cpu-model.node.kubevirt.io/${definition.cpu.model}).`);
  }

  const guest = binaryQuantity(definition.memory.bytes);
  const memory: Record<string, unknown> = { guest };
  if (definition.memory.hugepages) {
    memory["hugepages"] = { pageSize: binaryQuantity(definition.memory.hugepageSizeBytes ?? DEFAULT_HUGEPAGE) };
    findings.note(`Hugepages: the nodes must offer ${guest} of ${binaryQuantity(definition.memory.hugepageSizeBytes ?? DEFAULT_HUGEPAGE)} pages (resource hugepages-${binaryQuantity(definition.memory.hugepageSizeBytes ?? DEFAULT_HUGEPAGE)}).`);
  }

  const firmware: Record<string, unknown> = { uuid: definition.uuid };
  const features: Record<string, unknown> = {};
  if (definition.firmware.type === "uefi") {
    // KubeVirt's EFI default is secure boot on: say it either way.
    firmware["bootloader"] = { efi: { secureBoot: definition.firmware.secureBoot } };
    if (definition.firmware.secureBoot) features["smm"] = { enabled: true };
  } else {
    firmware["bootloader"] = { bios: {} };
  }
  for (const key of ["code", "vars"] as const) {
    if (request.firmware[key] !== undefined) {
      findings.warn(["firmware", key], `an OVMF file path of this host (${request.firmware[key]}) has no place in KubeVirt: virt-launcher uses the OVMF build of its own image`, "Remove it for KubeVirt, or accept the cluster's OVMF.");
    }
  }
  if (request.vm.accel === "tcg") {
    findings.warn(["vm", "accel"], "KubeVirt runs VMs with KVM; software emulation is a cluster-wide setting (spec.configuration.developerConfiguration.useEmulation), not one of the VM", "Remove accel = \"tcg\" for KubeVirt, or ask the cluster's admin to allow emulation.");
  }

  return {
    cpu,
    memory,
    // The guest gets `guest`; the pod asks the scheduler for as much.
    resources: { requests: { memory: guest } },
    machine: { type: definition.machine },
    firmware,
    ...(Object.keys(features).length > 0 ? { features } : {}),
  };
}
