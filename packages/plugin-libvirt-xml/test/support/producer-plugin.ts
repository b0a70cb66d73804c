import { definePlugin, type Plugin } from "@vmforge/kernel";
import { guestMediaKey, userVmRequestKey, vmDefinitionKey, type GuestMedium, type UserVmRequest, type VmDefinition } from "@vmforge/plugin-qemu-setup";

/** A user_vm_request that passes its schema; only `output.libvirt_xml` matters to this plugin. */
export function userVmRequest(name: string, libvirtXml: boolean): UserVmRequest {
  return {
    vm: { name, guest: "none", accel: "auto", guest_agent: true, rng: true },
    cpu: { sockets: 1, cores: 2, threads: 1, model: "host-passthrough" },
    memory: { size: 2 * 1024 ** 3, hugepages: false },
    firmware: { type: "uefi", secure_boot: false, tpm: false },
    disk: [],
    network: [],
    passthrough: [],
    cdrom: [],
    input: [],
    display: { type: "none", listen: "127.0.0.1" },
    usb: { devices: [] },
    output: { libvirt_xml: libvirtXml },
    source: { path: `/vms/${name}.toml`, text: "" },
    extensions: {},
  };
}

/**
 * Stands in for qemu-setup (the request and the definition) and a guest plugin (a seed ISO),
 * so the stage runs through the real kernel without the host.
 */
export function producerPlugin(definition: VmDefinition, options: { libvirtXml: boolean; media?: GuestMedium[] }): Plugin {
  return definePlugin({
    name: "test-producer",
    version: "0.0.0",
    description: "writes the session values the libvirt stage reads",
    stages: [
      {
        id: "test:write_definition",
        description: "writes user_vm_request and vm_definition",
        writes: ["user_vm_request", "vm_definition"],
        load: async () => ({
          run(ctx) {
            ctx.setRunName(definition.name);
            ctx.set(userVmRequestKey, userVmRequest(definition.name, options.libvirtXml));
            ctx.set(vmDefinitionKey, definition);
          },
        }),
      },
      {
        id: "test:add_media",
        description: "adds guest media",
        reads: ["vm_definition"],
        adds: ["guest_media"],
        load: async () => ({
          run(ctx) {
            for (const medium of options.media ?? []) ctx.add(guestMediaKey, medium);
          },
        }),
      },
    ],
  });
}
