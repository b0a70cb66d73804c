import { dirname, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { ExitCode, VmforgeError, type Problem } from "@vmforge/kernel";
import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { UserVmRequest } from "./contract.js";
import { inspectImage } from "./disk-format-detection.js";
import { locatedProblem, type ProblemContext } from "./config-problems.js";
import { selectOvmf } from "./ovmf-selection.js";
import { formatSize } from "./size-units.js";
import { TomlLocator } from "./toml-locator.js";
import type { HostFit } from "./working-keys.js";

export interface Warning {
  code: string;
  text: string;
  fix?: string;
}

export interface ValidationResult {
  fit: HostFit;
  /** Problems that stop the run. */
  problems: Problem[];
  warnings: Warning[];
}

export interface ValidationOptions {
  /** An installed stage adds session.host_devices (a passthrough plugin). */
  passthroughHandled: boolean;
}

/** Problems the host causes (exit code 3); the others are the request's (exit code 2). */
export const HOST_PROBLEM_CODES = new Set([
  "E_VCPUS_EXCEED_HOST",
  "E_MEMORY_EXCEEDS_HOST",
  "E_HUGEPAGES_UNAVAILABLE",
  "E_KVM_UNAVAILABLE",
  "E_OVMF_MISSING",
  "E_BRIDGE_MISSING",
  "E_NETWORK_DEVICE_MISSING",
  "E_IOMMU_DISABLED",
  "E_PASSTHROUGH_NEEDS_KVM",
]);

const OVMF_FIX = "Install OVMF: `apt install ovmf` (Debian, Ubuntu), `dnf install edk2-ovmf` (Fedora), `pacman -S edk2-ovmf` (Arch); or set [firmware] code and vars.";

/** Checks the request against the host facts of env-check; never touches the host itself. */
export async function validateVmRequest(request: UserVmRequest, env: EnvironmentData, options: ValidationOptions): Promise<ValidationResult> {
  const context: ProblemContext = { file: request.source.path, locator: new TomlLocator(request.source.text), raw: parsedSource(request.source.text) };
  const problems: Problem[] = [];
  const warnings: Warning[] = [];
  const problem = (code: string, path: PropertyKey[], message: string, extra: Partial<Problem> = {}): void => {
    problems.push(locatedProblem(context, path, { code, message, ...extra }));
  };
  const baseDir = dirname(resolve(request.source.path));

  // CPU
  const { sockets, cores, threads } = request.cpu;
  const vcpus = sockets * cores * threads;
  const logical = env.cpu.logicalCpus;
  const physical = env.cpu.sockets * env.cpu.coresPerSocket;
  const cpuKey = ["cpu", "cores"];
  if (logical > 0 && vcpus > logical) {
    problem("E_VCPUS_EXCEED_HOST", cpuKey, `${vcpus} vCPUs asked for; the host has ${logical} logical CPUs`, {
      received: `${vcpus} vCPUs (sockets ${sockets} × cores ${cores} × threads ${threads})`,
      expected: `at most ${logical} vCPUs`,
      fix: `Lower [cpu] cores to ${Math.max(1, Math.floor(logical / (sockets * threads)))} or fewer.`,
    });
  } else if (physical > 0 && vcpus > physical) {
    warnings.push({ code: "W_VCPUS_ABOVE_CORES", text: `${vcpus} vCPUs is more than the host's ${physical} physical cores; they will share cores through SMT.`, fix: `Use at most ${physical} vCPUs for steady performance.` });
  }

  // Accelerator
  const kvmUsable = env.kvm.devicePresent;
  const kvmWhy = kvmReason(env);
  let accelerator: HostFit["accelerator"];
  if (request.vm.accel === "tcg") accelerator = { type: "tcg", reason: 'accel = "tcg" was requested' };
  else if (kvmUsable) accelerator = { type: "kvm", reason: "/dev/kvm is present" };
  else if (request.vm.accel === "kvm") {
    accelerator = { type: "tcg", reason: kvmWhy };
    problem("E_KVM_UNAVAILABLE", ["vm", "accel"], `accel = "kvm" was requested, but ${kvmWhy}`, {
      received: '"kvm"',
      expected: 'a host with /dev/kvm, or accel = "auto" / "tcg" (software emulation, much slower)',
      fix: kvmFix(env),
    });
  } else {
    accelerator = { type: "tcg", reason: `${kvmWhy}; using TCG software emulation` };
    warnings.push({ code: "W_KVM_UNAVAILABLE", text: `KVM is not available (${kvmWhy}): the VM will run under TCG, many times slower.`, fix: kvmFix(env) });
  }
  if (accelerator.type === "tcg" && (request.cpu.model === "host-passthrough" || request.cpu.model === "host-model")) {
    warnings.push({ code: "W_CPU_MODEL_TCG", text: `cpu model "${request.cpu.model}" needs KVM; under TCG the VM gets QEMU's "max" model.` });
  }

  // Memory
  const memory = request.memory.size;
  const total = env.memory.totalBytes;
  if (total !== null && memory > total) {
    problem("E_MEMORY_EXCEEDS_HOST", ["memory", "size"], `${formatSize(memory)} of memory asked for; the host has ${formatSize(total)} in all`, {
      received: formatSize(memory),
      expected: `at most ${formatSize(total)}`,
      fix: "Lower [memory] size.",
    });
  } else if (env.memory.availableBytes !== null && memory > env.memory.availableBytes) {
    warnings.push({ code: "W_MEMORY_ABOVE_AVAILABLE", text: `${formatSize(memory)} is more than the ${formatSize(env.memory.availableBytes)} available right now; the host may swap.` });
  }
  let hugepageSizeBytes: number | null = null;
  if (request.memory.hugepages) {
    const size = env.memory.hugepages.defaultSizeBytes ?? env.memory.hugepages.pools[0]?.sizeBytes ?? null;
    const pool = env.memory.hugepages.pools.find((entry) => entry.sizeBytes === size);
    hugepageSizeBytes = size;
    if (size === null || !pool) {
      problem("E_HUGEPAGES_UNAVAILABLE", ["memory", "hugepages"], "hugepages = true, but the host has no hugepage pool", {
        received: "true",
        expected: "a host with hugepages reserved, or hugepages = false",
        fix: "Reserve pages: `echo N | sudo tee /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages` (N = memory / 2MiB), or boot with hugepages=N.",
      });
    } else if (memory % size !== 0) {
      problem("E_HUGEPAGES_ALIGNMENT", ["memory", "size"], `memory ${formatSize(memory)} is not a whole number of ${formatSize(size)} hugepages`, {
        received: formatSize(memory),
        expected: `a multiple of ${formatSize(size)}`,
      });
    } else if (pool.free * size < memory) {
      const needed = memory / size;
      problem("E_HUGEPAGES_UNAVAILABLE", ["memory", "hugepages"], `${needed} hugepages of ${formatSize(size)} needed; ${pool.free} are free`, {
        received: `${pool.free} free of ${pool.total}`,
        expected: `at least ${needed} free`,
        fix: `Reserve more: \`echo ${pool.total + needed - pool.free} | sudo tee /sys/kernel/mm/hugepages/hugepages-${size / 1024}kB/nr_hugepages\`.`,
      });
    }
  }

  // Firmware
  let ovmf: HostFit["ovmf"] = null;
  if (request.firmware.type === "uefi") {
    const { code, vars } = request.firmware;
    if (code !== undefined || vars !== undefined) {
      const chosen = code !== undefined && vars !== undefined ? undefined : selectOvmf(env.firmware.ovmfCode, env.firmware.ovmfVars, request.firmware.secure_boot);
      const codePath = code !== undefined ? resolve(baseDir, code) : chosen?.code;
      const varsPath = vars !== undefined ? resolve(baseDir, vars) : chosen?.varsTemplate;
      for (const [key, path] of [["code", code !== undefined ? codePath : undefined], ["vars", vars !== undefined ? varsPath : undefined]] as const) {
        if (path !== undefined && !(await inspectImage(path)).exists) {
          problem("E_FIRMWARE_FILE_MISSING", ["firmware", key], `${path} does not exist`, { received: JSON.stringify(request.firmware[key]), expected: "an existing OVMF file" });
        }
      }
      if (codePath && varsPath) ovmf = { code: codePath, varsTemplate: varsPath };
      else problem("E_OVMF_MISSING", ["firmware", code === undefined ? "code" : "vars"], "the other OVMF file was not found on the host", { fix: OVMF_FIX });
    } else {
      const chosen = selectOvmf(env.firmware.ovmfCode, env.firmware.ovmfVars, request.firmware.secure_boot);
      if (chosen) ovmf = chosen;
      else if (request.firmware.secure_boot && selectOvmf(env.firmware.ovmfCode, env.firmware.ovmfVars, false)) {
        problem("E_OVMF_MISSING", ["firmware", "secure_boot"], "no OVMF build with secure boot was found", {
          received: "true",
          expected: "an OVMF secure boot build (OVMF_CODE_4M.secboot.fd + OVMF_VARS_4M.ms.fd)",
          fix: `${OVMF_FIX} Or set secure_boot = false.`,
        });
      } else {
        problem("E_OVMF_MISSING", ["firmware", "type"], `UEFI firmware (OVMF) was not found in ${env.firmware.searchedDirs.join(", ") || "the usual folders"}`, {
          received: '"uefi"',
          expected: 'OVMF installed, or type = "bios"',
          fix: OVMF_FIX,
        });
      }
    }
  }

  // Disks
  const disks: HostFit["disks"] = [];
  for (const [index, disk] of request.disk.entries()) {
    const path = disk.path !== undefined ? resolve(baseDir, disk.path) : null;
    const backingPath = disk.backing !== undefined ? resolve(baseDir, disk.backing) : null;
    const image = path ? await inspectImage(path) : { exists: false, format: null, isFileOrDevice: false };
    const base = backingPath ? await inspectImage(backingPath) : { exists: false, format: null, isFileOrDevice: false };
    const existing = disk.size === undefined && disk.backing === undefined;
    if (path && existing && !image.exists) {
      problem("E_DISK_MISSING", ["disk", index, "path"], `${path} does not exist`, {
        received: JSON.stringify(disk.path),
        expected: "an existing image, or size = \"...\" to create one",
        fix: `Create it, correct the path (relative paths start at ${baseDir}), or add size = "20GiB" to have vmforge create it.`,
      });
    } else if (path && image.exists && !image.isFileOrDevice) {
      problem("E_DISK_NOT_A_FILE", ["disk", index, "path"], `${path} is not a file or a block device`, { received: JSON.stringify(disk.path), expected: "an image file or a block device" });
    } else if (path && image.exists && !existing) {
      warnings.push({ code: "W_DISK_EXISTS", text: `disk[${index}]: ${path} already exists; it is used as is, never overwritten.` });
    }
    if (path && image.exists && image.format && disk.format && image.format !== disk.format && image.format === "qcow2") {
      problem("E_DISK_FORMAT_MISMATCH", ["disk", index, "format"], `${path} is a qcow2 image, but format = "${disk.format}"`, {
        received: JSON.stringify(disk.format),
        expected: '"qcow2"',
        fix: 'Set format = "qcow2" (as raw, the guest would see the qcow2 metadata, and could overwrite it).',
      });
    }
    if (backingPath && !base.exists) {
      problem("E_BACKING_MISSING", ["disk", index, "backing"], `the base image ${backingPath} does not exist`, {
        received: JSON.stringify(disk.backing),
        expected: "an existing base image (e.g. a downloaded cloud image)",
        fix: `Download it there, or correct the path (relative paths start at ${baseDir}).`,
      });
    }
    if (disk.bus === "sata" && disk.readonly) {
      problem("E_DISK_BUS_UNSUITABLE", ["disk", index, "readonly"], "QEMU's SATA disks (ide-hd) cannot attach a read-only image", {
        received: "true",
        expected: 'readonly = false, or bus = "virtio", "scsi" or "nvme"',
      });
    }
    disks.push({ path, exists: image.exists, detectedFormat: image.format, backingPath, backingFormat: base.format });
  }

  // Network
  const interfaces = env.network.interfaces;
  for (const [index, nic] of request.network.entries()) {
    if (nic.mode === "bridge" && nic.bridge !== undefined) {
      const found = interfaces.find((candidate) => candidate.name === nic.bridge);
      if (interfaces.length === 0) warnings.push({ code: "W_BRIDGE_UNCHECKED", text: `network[${index}]: the host's interfaces are unknown; bridge ${nic.bridge} could not be checked.` });
      else if (!found) {
        const bridges = interfaces.filter((candidate) => candidate.bridge).map((candidate) => candidate.name);
        problem("E_BRIDGE_MISSING", ["network", index, "bridge"], `the host has no bridge ${nic.bridge}`, {
          received: JSON.stringify(nic.bridge),
          expected: bridges.length ? `one of the host's bridges: ${bridges.join(", ")}` : "a bridge on the host (it has none)",
          fix: `Create it (e.g. \`nmcli con add type bridge ifname ${nic.bridge}\`), or use mode = "user".`,
        });
      } else if (!found.bridge) {
        problem("E_BRIDGE_MISSING", ["network", index, "bridge"], `${nic.bridge} exists but is not a bridge (${found.kind})`, {
          received: JSON.stringify(nic.bridge),
          expected: "a bridge interface",
          fix: `Use mode = "macvtap" with device = "${nic.bridge}", or create a bridge with ${nic.bridge} as its port.`,
        });
      }
    }
    if (nic.mode === "macvtap" && nic.device !== undefined && interfaces.length > 0 && !interfaces.some((candidate) => candidate.name === nic.device)) {
      problem("E_NETWORK_DEVICE_MISSING", ["network", index, "device"], `the host has no interface ${nic.device}`, {
        received: JSON.stringify(nic.device),
        expected: `one of: ${interfaces.filter((candidate) => candidate.kind !== "loopback").map((candidate) => candidate.name).join(", ")}`,
      });
    }
  }

  // Passthrough
  if (request.passthrough.length > 0) {
    if (!env.iommu.enabled) {
      problem("E_IOMMU_DISABLED", ["passthrough", 0], `PCI passthrough needs the IOMMU, which is off: ${env.iommu.reason}`, {
        received: `${request.passthrough.length} [[passthrough]] device${request.passthrough.length === 1 ? "" : "s"}`,
        expected: "a host with the IOMMU on",
        fix: `Enable ${env.cpu.vendor === "amd" ? "AMD-Vi/IOMMU (SVM)" : "VT-d"} in the firmware setup and boot with ${env.cpu.vendor === "amd" ? "amd_iommu=on" : "intel_iommu=on"} iommu=pt.`,
      });
    }
    if (accelerator.type !== "kvm") {
      problem("E_PASSTHROUGH_NEEDS_KVM", ["passthrough", 0], "PCI passthrough needs KVM; this VM would run under TCG", { received: accelerator.reason, expected: "a host with /dev/kvm" });
    }
    if (!options.passthroughHandled) {
      problem("E_PASSTHROUGH_UNSUPPORTED", ["passthrough", 0], "[[passthrough]] needs @vmforge/plugin-vfio-configurator, which is not installed", {
        received: "[[passthrough]]",
        expected: "the VFIO configurator plugin installed",
        fix: "`npm install @vmforge/plugin-vfio-configurator` in your project, or remove the [[passthrough]] tables.",
      });
    }
  }

  return { fit: { accelerator, ovmf, hugepageSizeBytes, disks }, problems, warnings };
}

/** One error for every problem; exit code 3 when any of them is the host's. */
export function validationError(problems: Problem[]): VmforgeError {
  const hostProblems = problems.filter((entry) => HOST_PROBLEM_CODES.has(entry.code));
  const hostUnfit = hostProblems.length > 0;
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  return new VmforgeError(hostUnfit ? "E_HOST_UNFIT" : "E_REQUEST_INVALID", hostUnfit ? `This host cannot run the VM as described (${count}).` : `The VM description asks for something that cannot be done (${count}).`, {
    exitCode: hostUnfit ? ExitCode.hostUnfit : ExitCode.usage,
    why: hostUnfit ? "The request was checked against the host facts env-check gathered." : "Files the description names are missing or do not fit.",
    fix: "Fix each problem listed, then run the command again.",
    problems,
  });
}

function parsedSource(text: string): unknown {
  try {
    return parseToml(text);
  } catch {
    return undefined;
  }
}

function kvmReason(env: EnvironmentData): string {
  const { vmx, svm, hypervisor } = env.cpu.virtualization;
  if (!vmx && !svm) return hypervisor ? "/dev/kvm is missing and the CPU (itself virtual) offers no VT-x/AMD-V" : "/dev/kvm is missing and the CPU offers no VT-x/AMD-V";
  if (!env.kvm.modules.kvm) return "/dev/kvm is missing: the kvm module is not loaded";
  return "/dev/kvm is missing";
}

function kvmFix(env: EnvironmentData): string {
  const { vmx, svm, hypervisor } = env.cpu.virtualization;
  if (!vmx && !svm) return hypervisor ? "Enable nested virtualization on the outer hypervisor, or run on bare metal." : "Enable VT-x/AMD-V (SVM) in the firmware setup.";
  return `Load the module: \`sudo modprobe ${env.cpu.vendor === "amd" ? "kvm_amd" : "kvm_intel"}\`, and check /dev/kvm's permissions (group kvm).`;
}
