import type { Check, EnvironmentData } from "../contract.js";

const GIB = 1024 ** 3;

function installHint(osId: string | null, debian: string, fedora: string, arch: string): string {
  if (osId === "fedora" || osId === "rhel" || osId === "centos" || osId === "rocky" || osId === "almalinux") return `sudo dnf install ${fedora}`;
  if (osId === "arch" || osId === "manjaro" || osId === "endeavouros") return `sudo pacman -S ${arch}`;
  return `sudo apt install ${debian}`;
}

/** Memory, hugepages, OVMF firmware and the QEMU programs. */
export function systemChecks(env: EnvironmentData): Check[] {
  const checks: Check[] = [];
  const { memory, firmware } = env;
  if (memory.totalBytes === null) {
    checks.push({ id: "memory.total", status: "warn", message: "/proc/meminfo is missing or unreadable: memory for guests is unknown" });
  } else {
    const available = memory.availableBytes === null ? "" : `, ${(memory.availableBytes / GIB).toFixed(1)} GiB available`;
    checks.push({ id: "memory.total", status: "pass", message: `${(memory.totalBytes / GIB).toFixed(1)} GiB RAM${available}` });
  }
  const reserved = memory.hugepages.pools.filter((pool) => pool.total > 0);
  checks.push({
    id: "memory.hugepages",
    status: "pass",
    message: reserved.length
      ? `hugepages reserved: ${reserved.map((pool) => `${pool.total} x ${pool.sizeBytes / 1024 ** 2} MiB (${pool.free} free)`).join(", ")}`
      : `no static hugepages reserved (optional; sizes offered: ${memory.hugepages.pools.map((pool) => `${pool.sizeBytes / 1024 ** 2} MiB`).join(", ") || "none"})`,
  });

  checks.push(
    firmware.ovmfCode.length
      ? { id: "firmware.ovmf", status: "pass", message: `UEFI firmware for guests: ${firmware.ovmfCode.join(", ")}` }
      : {
          id: "firmware.ovmf",
          status: "warn",
          message: `no OVMF (UEFI for guests) in ${firmware.searchedDirs.join(", ")}: only BIOS guests; GPU passthrough wants UEFI`,
          fix: installHint(env.os.id, "ovmf", "edk2-ovmf", "edk2-ovmf"),
        },
  );
  const { qemuSystemX86_64, qemuImg } = firmware.binaries;
  const missing = [qemuSystemX86_64 ? undefined : "qemu-system-x86_64", qemuImg ? undefined : "qemu-img"].filter(Boolean);
  checks.push(
    missing.length === 0
      ? { id: "qemu.binaries", status: "pass", message: `${qemuSystemX86_64} and ${qemuImg} found` }
      : { id: "qemu.binaries", status: "warn", message: `${missing.join(" and ")} not found in /usr/local/bin, /usr/bin or /bin`, fix: installHint(env.os.id, "qemu-system-x86 qemu-utils", "qemu-kvm qemu-img", "qemu-full") },
  );
  return checks;
}
