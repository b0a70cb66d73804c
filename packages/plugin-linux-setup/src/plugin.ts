import { definePlugin, packageInfo, type StageContext } from "@vmforge/kernel";

const QEMU_SETUP = "@vmforge/plugin-qemu-setup";
const SELF = "@vmforge/plugin-linux-setup";

const request = { key: "user_vm_request", provider: QEMU_SETUP };
// Reading vm_definition orders every linux stage after qemu_setup:finalize_vm_definition.
const definition = { key: "vm_definition", provider: QEMU_SETUP };
const own = (key: string) => ({ key, provider: SELF });

/** Runs a stage only for `vm.guest = "linux"`; the check (and zod) loads only when a run asks. */
const whenLinuxGuest = async (ctx: StageContext): Promise<boolean> => (await import("./guest-condition.js")).isLinuxGuest(ctx);
const whenLinuxGuestWarningIfIgnored = async (ctx: StageContext): Promise<boolean> => (await import("./guest-condition.js")).isLinuxGuestWarningIfIgnored(ctx);

/** Manifest only: listing plugins or planning stages loads no stage, no zod, no YAML. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  // seed.iso and cloud-init/* land in the run folder: no file the VM description names may be one of them.
  preflightCheck: async (ctx) => (await import("./seed-files.js")).seedFileClashes(ctx),
  config: {
    tables: ["linux"],
    schema: async () => (await import("./config-schema.js")).linuxTableSchema,
    template: async () => (await import("./config-template.js")).linuxConfigTemplate,
  },
  stages: [
    {
      id: "linux_setup:load_config_toml",
      description: "Reads the [linux] table (hostname, timezone, packages, runcmd, users, user_data_file) and the files it names",
      reads: [request, definition],
      writes: ["linux_config"],
      when: whenLinuxGuestWarningIfIgnored,
      load: () => import("./stages/load-config-toml.js"),
    },
    {
      id: "linux_setup:generate_cloud_init_user",
      description: "Builds cloud-init user-data (#cloud-config, merged with user_data_file) and network-config v2 for the NICs' MACs",
      reads: [request, definition, own("linux_config")],
      writes: ["cloud_init_user_data"],
      when: whenLinuxGuest,
      load: () => import("./stages/generate-cloud-init-user.js"),
    },
    {
      id: "linux_setup:generate_cloud_init_meta",
      description: "Builds cloud-init meta-data: local-hostname and an instance-id that changes with the generated data",
      reads: [request, definition, own("linux_config"), own("cloud_init_user_data")],
      writes: ["cloud_init_meta_data"],
      when: whenLinuxGuest,
      load: () => import("./stages/generate-cloud-init-meta.js"),
    },
    {
      id: "linux_setup:assemble_cloud_init_iso",
      description: "Writes cloud-init/* and seed.iso (volume cidata), adds the seed to session.guest_media",
      reads: [request, definition, own("cloud_init_user_data"), own("cloud_init_meta_data")],
      writes: ["cloud_init_seed"],
      adds: ["guest_media"],
      when: whenLinuxGuest,
      load: () => import("./stages/assemble-cloud-init-iso.js"),
    },
  ],
});
