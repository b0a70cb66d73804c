import { userVmRequestSchema, type RequestPassthrough, type UserVmRequest } from "@vmforge/plugin-qemu-setup";

export type PassthroughEntry = Partial<RequestPassthrough> & ({ address: string } | { ids: string });

/** A minimal, schema-valid user_vm_request asking for these devices. */
export function requestWith(passthrough: PassthroughEntry[], overrides: { name?: string; display?: UserVmRequest["display"]["type"]; configPath?: string } = {}): UserVmRequest {
  return userVmRequestSchema.parse({
    vm: { name: overrides.name ?? "gpu-vm", guest: "none", accel: "kvm", guest_agent: false, rng: true },
    cpu: { sockets: 1, cores: 2, threads: 1, model: "host-passthrough" },
    memory: { size: 2 * 1024 ** 3, hugepages: false },
    firmware: { type: "uefi", secure_boot: false, tpm: false },
    disk: [],
    network: [],
    passthrough: passthrough.map((entry) => ({ allow_host_gpu: false, ...entry })),
    display: { type: overrides.display ?? "none", listen: "127.0.0.1" },
    usb: { devices: [] },
    output: { libvirt_xml: false },
    source: { path: overrides.configPath ?? "/nonexistent/vm.toml", text: "" },
    extensions: {},
  });
}

/** The TOML of a VM that asks for these devices. */
export function tomlWith(name: string, passthrough: Array<Record<string, string | boolean>>): string {
  const tables = passthrough.map((entry) => `[[passthrough]]\n${Object.entries(entry).map(([key, value]) => `${key} = ${typeof value === "string" ? JSON.stringify(value) : value}`).join("\n")}\n`);
  return `[vm]\nname = "${name}"\nguest = "none"\n\n${tables.join("\n")}`;
}
