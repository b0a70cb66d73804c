import { vmDefinitionSchema, type GuestMedium, type VmDefinition, type VmDisk, type VmNic } from "@vmforge/plugin-qemu-setup";

/*
 * VM definitions as qemu-setup's finalize stage produces them, one per kind of VM the
 * examples describe. Each passes vmDefinitionSchema (checked in `definition()`).
 */

const GiB = 1024 ** 3;

export function definition(overrides: Partial<VmDefinition> & Pick<VmDefinition, "name">): VmDefinition {
  const runDir = `/var/lib/vmforge/vms/${overrides.name}`;
  const base: VmDefinition = {
    schemaVersion: 1,
    name: overrides.name,
    uuid: "6f1c2a3b-4d5e-5f60-8a7b-8c9d0e1f2a3b",
    guest: "linux",
    description: null,
    machine: "q35",
    runDir,
    accelerator: { type: "kvm", reason: "/dev/kvm is usable" },
    cpu: { model: "host-passthrough", qemuModel: "host", sockets: 1, cores: 2, threads: 1, vcpus: 2 },
    memory: { bytes: 2 * GiB, mib: 2048, hugepages: false, hugepageSizeBytes: null },
    firmware: uefi(runDir, { secureBoot: false, tpm: false }),
    disks: [disk(runDir, 0, { sizeBytes: 20 * GiB, bootIndex: 1 })],
    nics: [nic(0, { mode: "user" })],
    controllers: [
      { id: "pcie.0", type: "pcie-root", model: "pcie-root", builtin: true },
      { id: "sata0", type: "sata", model: "ich9-ahci", builtin: true },
      { id: "usb0", type: "usb", model: "qemu-xhci", builtin: false },
      { id: "rp1", type: "pcie-root-port", model: "pcie-root-port", builtin: false },
      { id: "rp2", type: "pcie-root-port", model: "pcie-root-port", builtin: false },
    ],
    input: [{ type: "tablet", bus: "usb" }],
    usbDevices: [],
    display: { type: "none", listen: null, port: null, video: "none" },
    serial: { type: "stdio", path: null },
    rng: { model: "virtio-rng-pci", source: "/dev/urandom" },
    guestAgent: { channel: "org.qemu.guest_agent.0", socket: `${runDir}/qga.sock` },
    qmpSocket: `${runDir}/qmp.sock`,
    hostDevices: [],
    output: { libvirtXml: true },
  };
  return vmDefinitionSchema.parse({ ...base, ...overrides }) as VmDefinition;
}

export function uefi(runDir: string, options: { secureBoot: boolean; tpm: boolean }): VmDefinition["firmware"] {
  return {
    type: "uefi",
    code: options.secureBoot ? "/usr/share/OVMF/OVMF_CODE_4M.ms.fd" : "/usr/share/OVMF/OVMF_CODE_4M.fd",
    varsTemplate: options.secureBoot ? "/usr/share/OVMF/OVMF_VARS_4M.ms.fd" : "/usr/share/OVMF/OVMF_VARS_4M.fd",
    vars: `${runDir}/OVMF_VARS.fd`,
    secureBoot: options.secureBoot,
    tpm: options.tpm,
    tpmSocket: options.tpm ? `${runDir}/swtpm.sock` : null,
  };
}

export const bios: VmDefinition["firmware"] = { type: "bios", code: null, varsTemplate: null, vars: null, secureBoot: false, tpm: false, tpmSocket: null };

export function disk(runDir: string, index: number, overrides: Partial<VmDisk> = {}): VmDisk {
  return {
    id: `disk${index}`,
    index,
    path: `${runDir}/disk${index}.qcow2`,
    format: "qcow2",
    bus: "virtio",
    sizeBytes: 10 * GiB,
    serial: `vmforge-disk${index}`,
    bootIndex: null,
    source: "create",
    backing: null,
    readonly: false,
    discard: true,
    ...overrides,
  };
}

export function nic(index: number, overrides: Partial<VmNic> & Pick<VmNic, "mode">): VmNic {
  return {
    id: `net${index}`,
    index,
    bridge: null,
    tap: null,
    device: null,
    mac: `52:54:00:12:34:${(0x56 + index).toString(16)}`,
    macSource: "derived",
    model: "virtio-net-pci",
    forwards: [],
    ...overrides,
  };
}

export function seedIso(runDir: string): GuestMedium {
  return { kind: "cdrom", path: `${runDir}/seed.iso`, format: "raw", label: "cidata", readonly: true, producer: "@vmforge/plugin-linux-setup" };
}

/** examples/web-1.toml: a cloud image overlay on virtio, user networking with ssh forwarded, UEFI, no display. */
export function web1(): VmDefinition {
  const runDir = "/var/lib/vmforge/vms/web-1";
  return definition({
    name: "web-1",
    runDir,
    description: "A small Linux web server",
    disks: [
      disk(runDir, 0, {
        sizeBytes: 20 * GiB,
        bootIndex: 1,
        source: "backing",
        backing: { path: "/var/lib/vmforge/images/debian-12-genericcloud-amd64.qcow2", format: "qcow2" },
      }),
    ],
    nics: [nic(0, { mode: "user" })],
  });
}

/** A minimal BIOS VM: one vCPU, 512 MiB, one SATA disk, no network, no extras, under TCG. */
export function biosMinimal(): VmDefinition {
  const runDir = "/var/lib/vmforge/vms/tiny";
  return definition({
    name: "tiny",
    runDir,
    accelerator: { type: "tcg", reason: "no /dev/kvm" },
    cpu: { model: "max", qemuModel: "max", sockets: 1, cores: 1, threads: 1, vcpus: 1 },
    memory: { bytes: 512 * 1024 ** 2, mib: 512, hugepages: false, hugepageSizeBytes: null },
    firmware: bios,
    disks: [disk(runDir, 0, { bus: "sata", format: "raw", path: `${runDir}/disk0.raw`, serial: "", discard: false })],
    nics: [],
    controllers: [{ id: "pcie.0", type: "pcie-root", model: "pcie-root", builtin: true }],
    input: [],
    rng: null,
    guestAgent: null,
  });
}

/** NVMe system disk plus a virtio data disk, two NICs on a host bridge and a macvtap, VNC display, hugepages. */
export function nvmeBridge(): VmDefinition {
  const runDir = "/var/lib/vmforge/vms/db-1";
  return definition({
    name: "db-1",
    runDir,
    cpu: { model: "host-model", qemuModel: "host", sockets: 2, cores: 4, threads: 2, vcpus: 16 },
    memory: { bytes: 16 * GiB, mib: 16384, hugepages: true, hugepageSizeBytes: 2 * 1024 ** 2 },
    disks: [
      disk(runDir, 0, { bus: "nvme", bootIndex: 1, sizeBytes: 64 * GiB, serial: "db1-system" }),
      disk(runDir, 1, { bus: "virtio", sizeBytes: 200 * GiB, serial: "db1-data" }),
      disk(runDir, 2, { bus: "scsi", sizeBytes: 50 * GiB, serial: "db1-logs", format: "raw", path: `${runDir}/logs.raw` }),
    ],
    nics: [nic(0, { mode: "bridge", bridge: "br0", macSource: "given", mac: "52:54:00:ab:cd:01" }), nic(1, { mode: "macvtap", device: "enp3s0" }), nic(2, { mode: "tap", tap: "tap-db1", model: "e1000e" })],
    controllers: [
      { id: "pcie.0", type: "pcie-root", model: "pcie-root", builtin: true },
      { id: "sata0", type: "sata", model: "ich9-ahci", builtin: true },
      { id: "usb0", type: "usb", model: "qemu-xhci", builtin: false },
      { id: "scsi0", type: "scsi", model: "virtio-scsi-pci", builtin: false },
      { id: "vser0", type: "virtio-serial", model: "virtio-serial-pci", builtin: false },
    ],
    display: { type: "vnc", listen: "127.0.0.1", port: 5901, video: "virtio-vga" },
    serial: { type: "socket", path: `${runDir}/serial.sock` },
  });
}

/** UEFI with secure boot and a TPM (a Windows 11-style VM), SPICE display with QXL. */
export function secureBootTpm(): VmDefinition {
  const runDir = "/var/lib/vmforge/vms/win-11";
  return definition({
    name: "win-11",
    runDir,
    guest: "none",
    cpu: { model: "host-passthrough", qemuModel: "host", sockets: 1, cores: 4, threads: 2, vcpus: 8 },
    memory: { bytes: 8 * GiB, mib: 8192, hugepages: false, hugepageSizeBytes: null },
    firmware: uefi(runDir, { secureBoot: true, tpm: true }),
    disks: [disk(runDir, 0, { bus: "sata", sizeBytes: 128 * GiB, bootIndex: 2 })],
    nics: [nic(0, { mode: "user", model: "e1000e", forwards: [{ protocol: "tcp", hostPort: 33890, guestPort: 3389 }] })],
    input: [{ type: "tablet", bus: "usb" }, { type: "keyboard", bus: "ps2" }],
    display: { type: "spice", listen: "127.0.0.1", port: null, video: "qxl-vga" },
    serial: { type: "socket", path: `${runDir}/serial.sock` },
    guestAgent: null,
  });
}

/** GPU passthrough (VGA + audio functions of one card), a NIC passed through alone, two USB devices, under TCG with a custom CPU. */
export function passthroughUsb(): VmDefinition {
  const runDir = "/var/lib/vmforge/vms/gpu-1";
  const pci = (address: string, multifunction: boolean, extra: object = {}) => ({
    kind: "pci" as const,
    address,
    multifunction,
    romFile: null,
    producer: "@vmforge/plugin-vfio-configurator",
    ...extra,
  });
  return definition({
    name: "gpu-1",
    runDir,
    accelerator: { type: "tcg", reason: "no /dev/kvm" },
    cpu: { model: "host-passthrough", qemuModel: "max", sockets: 1, cores: 6, threads: 1, vcpus: 6 },
    hostDevices: [
      pci("0000:01:00.0", true, { romFile: "/var/lib/vmforge/roms/rtx3060.rom", primaryGpu: true, vendorId: "10de", deviceId: "2504", iommuGroup: 12, description: "NVIDIA GA106 [GeForce RTX 3060]" }),
      pci("0000:01:00.1", false, { vendorId: "10de", deviceId: "228e", iommuGroup: 12, description: "NVIDIA GA106 High Definition Audio" }),
      pci("0000:05:00.0", false, { vendorId: "8086", deviceId: "15f3", iommuGroup: 17 }),
    ],
    usbDevices: [
      { vendorId: "046d", productId: "c52b" },
      { vendorId: "1050", productId: "0407" },
    ],
    display: { type: "none", listen: null, port: null, video: "none" },
  });
}

/**
 * A Windows GPU guest tuned as VFIO users do: 4 cores × 2 threads pinned to the second CCX of a
 * Ryzen 7 2700X (siblings cpuN/cpuN+8), host caches and topoext, every Hyper-V enlightenment,
 * KVM hidden behind a vendor id.
 */
export function pinnedHyperv(): VmDefinition {
  const base = passthroughUsb();
  const runDir = "/var/lib/vmforge/vms/win-gpu";
  return definition({
    name: "win-gpu",
    runDir,
    accelerator: { type: "kvm", reason: "/dev/kvm is usable" },
    cpu: {
      model: "host-passthrough",
      qemuModel: "host",
      sockets: 1,
      cores: 4,
      threads: 2,
      vcpus: 8,
      cachePassthrough: true,
      topoext: true,
      pinning: {
        source: "auto",
        vcpus: [4, 12, 5, 13, 6, 14, 7, 15],
        emulator: [0, 1, 2, 3, 8, 9, 10, 11],
        iothreads: [],
        hostCpus: [0, 1, 2, 3, 8, 9, 10, 11],
        node: 0,
        notes: [],
        bootTime: { kernelParameters: "isolcpus=4-7,12-15 nohz_full=4-7,12-15", allowedCpus: "0-3,8-11", steps: [] },
      },
      hyperv: {
        enlightenments: ["relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "frequencies", "time", "tlbflush", "ipi"],
        spinlockRetries: 8191,
        stimerDirect: true,
        hideHypervisor: true,
        vendorId: "vmforge",
      },
    },
    firmware: uefi(runDir, { secureBoot: false, tpm: false }),
    hostDevices: base.hostDevices.slice(0, 2),
    display: { type: "none", listen: null, port: null, video: "none" },
  });
}

/** A Looking Glass guest: IVSHMEM on /dev/shm (or kvmfr), evdev keyboard and mouse, 1 GiB pages. */
export function lookingGlassEvdev(backing: "shm" | "kvmfr" = "shm"): VmDefinition {
  const base = pinnedHyperv();
  return {
    ...base,
    name: backing === "shm" ? "lg-shm" : "lg-kvmfr",
    memory: { bytes: 16 * 1024 ** 3, mib: 16384, hugepages: true, hugepageSizeBytes: 1024 ** 3 },
    lookingGlass: { width: 2560, height: 1440, sizeMib: 64, backing, path: backing === "shm" ? "/dev/shm/looking-glass" : "/dev/kvmfr0", owner: "alice", group: "kvm", mode: "0660" },
    evdev: [
      { id: "evdev0", path: "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd", grabAll: true, repeat: true, grabToggle: "ctrl-ctrl" },
      { id: "evdev1", path: "/dev/input/by-id/usb-Logitech_USB_Mouse-event-mouse", grabAll: false, repeat: false, grabToggle: null },
    ],
  };
}

export const exampleDefinitions: ReadonlyArray<{ name: string; build: () => VmDefinition }> = [
  { name: "web-1 (examples/web-1.toml)", build: web1 },
  { name: "BIOS minimal", build: biosMinimal },
  { name: "NVMe + bridge", build: nvmeBridge },
  { name: "UEFI + secure boot + TPM", build: secureBootTpm },
  { name: "PCI passthrough + USB devices", build: passthroughUsb },
  { name: "CPU pinning + Hyper-V + hidden KVM", build: pinnedHyperv },
  { name: "Looking Glass on /dev/shm + evdev + 1 GiB pages", build: () => lookingGlassEvdev("shm") },
  { name: "Looking Glass on kvmfr (qemu:commandline)", build: () => lookingGlassEvdev("kvmfr") },
];
