import type { UserVmRequest, VmDefinition, VmNic } from "@vmforge/plugin-qemu-setup";

/** A schema-valid user_vm_request for a Linux VM, with the given [linux] table. */
export function userVmRequest(options: { linux?: unknown; name?: string; guest?: string; tomlPath?: string; tomlText?: string } = {}): UserVmRequest {
  const name = options.name ?? "web-1";
  return {
    vm: { name, guest: options.guest ?? "linux", accel: "auto", guest_agent: true, rng: true },
    cpu: { sockets: 1, cores: 2, threads: 1, model: "host-passthrough" },
    memory: { size: 2 * 1024 ** 3, hugepages: false },
    firmware: { type: "uefi", secure_boot: false, tpm: false },
    disk: [],
    network: [{ mode: "user", model: "virtio", forward: [] }],
    passthrough: [],
    cdrom: [],
    display: { type: "none", listen: "127.0.0.1" },
    usb: { devices: [] },
    output: { libvirt_xml: false },
    source: { path: options.tomlPath ?? "/nonexistent/web-1.toml", text: options.tomlText ?? "" },
    extensions: options.linux === undefined ? {} : { linux: options.linux },
  };
}

export function nic(index: number, mac: string): VmNic {
  return { id: `net${index}`, index, mode: "user", bridge: null, tap: null, device: null, mac, macSource: "derived", model: "virtio-net-pci", forwards: [] };
}

/** A schema-valid vm_definition with the given NICs. */
export function vmDefinition(options: { name?: string; guest?: string; nics?: VmNic[]; runDir?: string } = {}): VmDefinition {
  const name = options.name ?? "web-1";
  const runDir = options.runDir ?? `/nonexistent/vms/${name}`;
  return {
    schemaVersion: 1,
    name,
    uuid: "f57c30af-8d87-544c-b07d-9532d1e1dcaa",
    guest: options.guest ?? "linux",
    description: null,
    machine: "q35",
    runDir,
    accelerator: { type: "tcg", reason: "test" },
    cpu: { model: "host-passthrough", qemuModel: "host", sockets: 1, cores: 2, threads: 1, vcpus: 2 },
    memory: { bytes: 2 * 1024 ** 3, mib: 2048, hugepages: false, hugepageSizeBytes: null },
    firmware: { type: "bios", code: null, varsTemplate: null, vars: null, secureBoot: false, tpm: false, tpmSocket: null },
    disks: [],
    nics: options.nics ?? [nic(0, "52:54:00:12:34:56")],
    controllers: [],
    input: [],
    usbDevices: [],
    display: { type: "none", listen: null, port: null, video: "none" },
    serial: { type: "stdio", path: null },
    rng: null,
    guestAgent: null,
    qmpSocket: `${runDir}/qmp.sock`,
    hostDevices: [],
    output: { libvirtXml: false },
  };
}
