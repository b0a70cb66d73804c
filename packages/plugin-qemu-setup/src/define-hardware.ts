import { join } from "node:path";
import type { UserVmRequest } from "./contract.js";
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
