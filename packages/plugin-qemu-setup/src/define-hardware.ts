import { join } from "node:path";
import { HYPERV_ENLIGHTENMENTS, type UserVmRequest, type VmHyperv } from "./contract.js";
import type { CpuRam, HostFit } from "./working-keys.js";

const MiB = 1024 ** 2;

/** CPU model and topology, memory and its backing, firmware files: from the request and the host fit. */
export function defineCpuRam(request: UserVmRequest, fit: HostFit, runDir: string): CpuRam {
  const { sockets, cores, threads, model } = request.cpu;
  const kvm = fit.accelerator.type === "kvm";
  const hostModel = model === "host-passthrough" || model === "host-model";
  const asked = fit.firmware ?? request.firmware;
  const uefi = asked.type === "uefi";
  return {
    accelerator: fit.accelerator,
    cpu: {
      model,
      qemuModel: hostModel ? (kvm ? "host" : "max") : model,
      sockets,
      cores,
      threads,
      vcpus: sockets * cores * threads,
      ...cpuTuning(request, fit, kvm && hostModel),
    },
    memory: {
      bytes: request.memory.size,
      mib: request.memory.size / MiB,
      hugepages: request.memory.hugepages,
      hugepageSizeBytes: request.memory.hugepages ? fit.hugepageSizeBytes : null,
    },
    firmware: {
      type: asked.type,
      code: uefi ? (fit.ovmf?.code ?? null) : null,
      varsTemplate: uefi ? (fit.ovmf?.varsTemplate ?? null) : null,
      vars: uefi ? join(runDir, "OVMF_VARS.fd") : null,
      secureBoot: uefi && asked.secure_boot,
      tpm: asked.tpm,
      tpmSocket: asked.tpm ? join(runDir, "swtpm.sock") : null,
    },
  };
}

/** What QEMU uses as the Hyper-V vendor id when hiding KVM: 12 characters at most. */
export const HIDDEN_VENDOR_ID = "vmforge";

/**
 * Pinning as validated, Hyper-V enlightenments (on by default for a Windows guest) and the
 * guest topology that matches a pinned host-passthrough CPU. Keys are left out when unused, so
 * definitions without [cpu] tuning stay as they were.
 */
function cpuTuning(request: UserVmRequest, fit: HostFit, kvmHost: boolean): Partial<CpuRam["cpu"]> {
  const tuning = fit.cpuTuning;
  const pinning = tuning?.pinning ?? null;
  const kvm = fit.accelerator.type === "kvm";
  const enlightened = request.cpu.hyperv ?? request.vm.guest === "windows";
  const hidden = request.cpu.hide_hypervisor ?? false;
  const hyperv: VmHyperv | null =
    kvm && (enlightened || hidden)
      ? {
          enlightenments: enlightened ? [...HYPERV_ENLIGHTENMENTS] : [],
          spinlockRetries: 8191,
          stimerDirect: enlightened && (tuning?.stimerDirect ?? false),
          hideHypervisor: hidden,
          vendorId: hidden ? HIDDEN_VENDOR_ID : null,
        }
      : null;
  return {
    ...(pinning ? { pinning } : {}),
    ...(hyperv ? { hyperv } : {}),
    ...(pinning && kvmHost ? { cachePassthrough: true } : {}),
    ...(pinning && kvmHost && tuning?.amd && request.cpu.threads > 1 ? { topoext: true } : {}),
  };
}
