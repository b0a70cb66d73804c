import { definePlugin, packageInfo } from "@vmforge/kernel";
import { guestReads, whenGuest } from "@vmforge/plugin-qemu-setup/guest";
import { LINUX_GUEST } from "./linux-guest.js";

const SELF = "@vmforge/plugin-linux-setup";

const request = guestReads.request;
// Reading vm_definition orders every linux stage after qemu_setup:finalize_vm_definition.
const definition = guestReads.definition;
const own = (key: string) => ({ key, provider: SELF });

/** Runs a stage only for `vm.guest = "linux"`; the first one asked warns once when [linux] is ignored. */
const whenLinuxGuest = whenGuest(LINUX_GUEST, { table: "linux", ignored: "no cloud-init seed is made", code: "W_LINUX_TABLE_IGNORED" });

/** Manifest only: listing plugins or planning stages loads no stage, no zod, no YAML. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  guests: [LINUX_GUEST],
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
      when: whenLinuxGuest,
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
