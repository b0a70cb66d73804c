import { definePlugin, packageInfo } from "@vmforge/kernel";
import { QEMU_TABLE_NAMES } from "./table-names.js";

const ENV = { key: "environment_data", provider: "@vmforge/plugin-env-check" };

const INFO = packageInfo(import.meta.url);
const NAME = INFO.name;

export const plugin = definePlugin({
  ...INFO,
  kernelApi: 1,
  config: {
    tables: [...QEMU_TABLE_NAMES],
    schema: async () => (await import("./config-schema.js")).qemuTablesSchema,
    template: async (context?) => (await import("./template.js")).vmTemplateToml(context?.plugins),
  },
  // A bad VM description is reported before the first stage, with every problem in it.
  preflightCheck: async (ctx) => {
    const { preflightVmRequest } = await import("./preflight.js");
    await preflightVmRequest(ctx, NAME);
  },
  stages: [
    {
      id: "qemu_setup:load_vm_config_toml",
      description: "Reads the VM description (TOML) and checks every table against its plugin's schema",
      writes: ["user_vm_request"],
      load: () => import("./stages/load-vm-config-toml.js"),
    },
    {
      id: "qemu_setup:validate_vm_request",
      description: "Checks the request against the host: CPUs, memory, KVM, OVMF, bridges, disks, IOMMU",
      // guest_needs: added by guest plugins before this stage (firmware, TPM).
      reads: ["user_vm_request", ENV, { key: "guest_needs", optional: true }],
      writes: ["qemu_host_fit"],
      load: () => import("./stages/validate-vm-request.js"),
    },
    {
      id: "qemu_setup:define_cpu_ram",
      description: "Defines the accelerator, CPU model and topology, memory backing and firmware",
      reads: ["user_vm_request", "qemu_host_fit"],
      writes: ["qemu_cpu_ram"],
      load: () => import("./stages/define-cpu-ram.js"),
    },
    {
      id: "qemu_setup:define_storage",
      description: "Defines the disks: final paths, formats, buses, serials, boot order",
      reads: ["user_vm_request", "qemu_host_fit"],
      writes: ["qemu_storage"],
      load: () => import("./stages/define-storage.js"),
    },
    {
      id: "qemu_setup:define_networking",
      description: "Defines the NICs: backend, model, MAC (derived from the VM name when not given)",
      reads: ["user_vm_request", "qemu_host_fit"],
      writes: ["qemu_networking"],
      load: () => import("./stages/define-networking.js"),
    },
    {
      id: "qemu_setup:finalize_vm_definition",
      description: "Assembles session.vm_definition (with host devices from a passthrough plugin) and writes vm-definition.json",
      reads: ["user_vm_request", "qemu_host_fit", "qemu_cpu_ram", "qemu_storage", "qemu_networking", { key: "host_devices", optional: true }],
      writes: ["vm_definition"],
      load: () => import("./stages/finalize-vm-definition.js"),
    },
    {
      id: "qemu_setup:attach_cdroms",
      description: "Attaches the [[cdrom]] images (installers, drivers) as read-only CD-ROMs",
      // vm_definition: media are attached after finalize, as guest plugins attach theirs.
      reads: ["user_vm_request", "vm_definition"],
      adds: ["guest_media"],
      when: async (ctx) => (await import("./stages/attach-cdroms-when.js")).hasCdroms(ctx),
      load: () => import("./stages/attach-cdroms.js"),
    },
    {
      id: "qemu_setup:generate_qemu_command",
      description: "Builds the QEMU argument array with the guest media; writes qemu-command.json and launch.sh",
      reads: ["vm_definition", { key: "guest_media", optional: true }],
      writes: ["qemu_command"],
      load: () => import("./stages/generate-qemu-command.js"),
    },
    {
      id: "qemu_setup:fetch_disk_images",
      description: "Downloads the [[disk]] images not in the cache yet and verifies their checksums (apply only; plan says what it would download and how much)",
      reads: ["vm_definition", "user_vm_request"],
      writes: ["qemu_fetched_images"],
      load: () => import("./stages/fetch-disk-images.js"),
    },
    {
      id: "qemu_setup:create_disk_images",
      description: "Checks the disk images that exist (qemu-img info/check) and creates the missing ones with qemu-img (apply only; never overwrites)",
      // qemu_fetched_images: the downloaded base images are in the cache before their overlays are made.
      reads: ["vm_definition", "user_vm_request", ENV, "qemu_fetched_images"],
      load: () => import("./stages/create-disk-images.js"),
    },
    {
      id: "qemu_setup:copy_ovmf_vars",
      description: "Copies the OVMF variable store for this VM (apply only; never overwrites)",
      reads: ["vm_definition"],
      load: () => import("./stages/copy-ovmf-vars.js"),
    },
  ],
});
