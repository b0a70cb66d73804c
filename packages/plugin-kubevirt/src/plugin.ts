import { definePlugin, packageInfo } from "@vmforge/kernel";

const QEMU_SETUP = "@vmforge/plugin-qemu-setup";
const LINUX_SETUP = "@vmforge/plugin-linux-setup";

/** Manifest only: listing or planning never loads the stage, zod or yaml. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  // kubevirt-vm.yaml and kubevirt-secret.yaml land in the run folder: no file the VM description names may be one.
  preflightCheck: async (ctx) => (await import("./artifact-files.js")).kubevirtFileClashes(ctx),
  config: {
    tables: ["kubevirt"],
    schema: async () => (await import("./config-schema.js")).kubevirtTableSchema,
    template: async () => (await import("./config-template.js")).kubevirtConfigTemplate,
  },
  stages: [
    {
      id: "kubevirt:generate_kubevirt_vm",
      description: "Writes kubevirt-vm.yaml, a KubeVirt VirtualMachine (kubectl apply -f), from the VM definition and the cloud-init data",
      reads: [
        { key: "vm_definition", provider: QEMU_SETUP },
        { key: "user_vm_request", provider: QEMU_SETUP },
        // Optional: a Linux guest's user-data and network-config; orders this stage after them when present.
        { key: "cloud_init_user_data", optional: true, provider: LINUX_SETUP },
        // Optional: media other guest plugins attach (an answer-file ISO) are files of this host: warnings.
        { key: "guest_media", optional: true, provider: QEMU_SETUP },
      ],
      writes: ["kubevirt_vm"],
      optional: true,
      when: async (ctx) => (await import("./stages/kubevirt-requested.js")).kubevirtRequested(ctx),
      load: () => import("./stages/generate-kubevirt-vm.js"),
    },
  ],
});
