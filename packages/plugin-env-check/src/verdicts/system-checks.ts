import type { Check, EnvironmentData } from "../contract.js";
import { usableUefiDescriptors } from "../host/firmware-descriptors.js";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function installHint(osId: string | null, debian: string, fedora: string, arch: string): string {
  if (osId === "fedora" || osId === "rhel" || osId === "centos" || osId === "rocky" || osId === "almalinux") return `sudo dnf install ${fedora}`;
  if (osId === "arch" || osId === "manjaro" || osId === "endeavouros") return `sudo pacman -S ${arch}`;
  return `sudo apt install ${debian}`;
}

/** Memory, hugepages, OVMF firmware and the QEMU programs. */
export function systemChecks(env: EnvironmentData): Check[] {
  return [memoryCheck(env), hugepagesCheck(env), ...firmwareChecks(env)];
}

function memoryCheck({ memory }: EnvironmentData): Check {
  if (memory.totalBytes === null) return { id: "memory.total", status: "warn", message: "/proc/meminfo is missing or unreadable: memory for guests is unknown" };
  const available = memory.availableBytes === null ? "" : `, ${(memory.availableBytes / GIB).toFixed(1)} GiB available`;
  return { id: "memory.total", status: "pass", message: `${(memory.totalBytes / GIB).toFixed(1)} GiB RAM${available}` };
}

function hugepagesCheck(env: EnvironmentData): Check {
  const shortfall = hugepageShortfall(env);
  if (shortfall) {
    return {
      id: "memory.hugepages",
      status: "warn",
      message: `the kernel command line asks for ${shortfall.requested} hugepages of ${shortfall.sizeBytes / MIB} MiB but only ${shortfall.total} are reserved (memory too fragmented or too small at boot)`,
      fix: "Lower `hugepages=` to what the host can spare, or reserve 1 GiB pages at boot with `default_hugepagesz=1G hugepagesz=1G hugepages=N`, then reboot.",
    };
  }
  const { pools } = env.memory.hugepages;
  const reserved = pools.filter((pool) => pool.total > 0);
  return {
    id: "memory.hugepages",
    status: "pass",
    message: reserved.length
      ? `hugepages reserved: ${reserved.map((pool) => `${pool.total} x ${pool.sizeBytes / MIB} MiB (${pool.free} free)`).join(", ")}`
      : `no static hugepages reserved (optional; sizes offered: ${pools.map((pool) => `${pool.sizeBytes / MIB} MiB`).join(", ") || "none"})`,
  };
}

/** `hugepages=N` on the command line against the pool the kernel filled. */
function hugepageShortfall(env: EnvironmentData): { requested: number; total: number; sizeBytes: number } | undefined {
  const { cmdline } = env.kernel;
  if (cmdline.hugepages === null) return undefined;
  const sizeBytes = parseSize(cmdline.hugepagesz ?? cmdline.defaultHugepagesz) ?? env.memory.hugepages.defaultSizeBytes;
  const pool = env.memory.hugepages.pools.find((candidate) => candidate.sizeBytes === sizeBytes);
  if (!pool || sizeBytes === null || pool.total >= cmdline.hugepages) return undefined;
  return { requested: cmdline.hugepages, total: pool.total, sizeBytes };
}

/** `1G`, `2M`, `2048K` → bytes. */
/** UEFI for guests: from QEMU's firmware descriptors where the host has them, else by file name. */
function ovmfCheck(env: EnvironmentData): Check {
  const { firmware } = env;
  const missing = { id: "firmware.ovmf", status: "warn", fix: installHint(env.os.id, "ovmf", "edk2-ovmf", "edk2-ovmf") } as const;
  if (firmware.descriptors.length > 0) {
    const usable = usableUefiDescriptors(firmware.descriptors);
    if (usable.length > 0) {
      const names = usable.map((descriptor) => `${descriptor.path.slice(descriptor.path.lastIndexOf("/") + 1)}${descriptor.features.includes("secure-boot") ? " (secure boot)" : ""}`);
      return { id: "firmware.ovmf", status: "pass", message: `UEFI firmware for guests, by QEMU's firmware descriptors: ${names.join(", ")}` };
    }
    return { ...missing, message: `QEMU's firmware descriptors (${firmware.descriptorDirs.join(", ")}) name no installed UEFI firmware for x86_64 q35 guests: only BIOS guests; GPU passthrough wants UEFI` };
  }
  if (firmware.ovmfCode.length > 0) {
    return { id: "firmware.ovmf", status: "pass", message: `UEFI firmware for guests (by file name; the host has no QEMU firmware descriptors): ${firmware.ovmfCode.join(", ")}` };
  }
  return { ...missing, message: `no OVMF (UEFI for guests): no QEMU firmware descriptor in ${firmware.descriptorDirs.join(", ")} and no OVMF image in ${firmware.searchedDirs.join(", ")}: only BIOS guests; GPU passthrough wants UEFI` };
}

function parseSize(text: string | null): number | null {
  const match = text?.match(/^(\d+)([KMG])?$/i);
  if (!match) return null;
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match[2] ?? "").toUpperCase() as "K" | "M" | "G"] ?? 1;
  return Number(match[1]) * unit;
}

function firmwareChecks(env: EnvironmentData): Check[] {
  const { firmware } = env;
  const checks: Check[] = [ovmfCheck(env)];
  if (firmware.invalidDescriptors.length) {
    checks.push({
      id: "firmware.descriptors",
      status: "warn",
      message: `QEMU firmware descriptors set aside: ${firmware.invalidDescriptors.map(({ path, reason }) => `${path} (${reason})`).join("; ")}`,
      fix: "Fix or remove them; QEMU and libvirt skip them too.",
    });
  }
  const { qemuSystemX86_64, qemuImg } = firmware.binaries;
  const missing = [qemuSystemX86_64 ? undefined : "qemu-system-x86_64", qemuImg ? undefined : "qemu-img"].filter(Boolean);
  checks.push(
    missing.length === 0
      ? { id: "qemu.binaries", status: "pass", message: `${qemuSystemX86_64} and ${qemuImg} found` }
      : { id: "qemu.binaries", status: "warn", message: `${missing.join(" and ")} not found in /usr/local/bin, /usr/bin or /bin`, fix: installHint(env.os.id, "qemu-system-x86 qemu-utils", "qemu-kvm qemu-img", "qemu-full") },
  );
  return checks;
}
