import { definePlugin, packageInfo } from "@vmforge/kernel";

/** Manifest only: listing or planning loads no stage, no command and no zod. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  stages: [
    {
      id: "qemu_setup:configure_vfio",
      description: "Plans VFIO passthrough: whole IOMMU groups, host readiness, a driver_override binding plan with undo; binds with --bind-vfio",
      reads: [
        { key: "environment_data", provider: "@vmforge/plugin-env-check" },
        { key: "user_vm_request", provider: "@vmforge/plugin-qemu-setup" },
      ],
      writes: ["vfio_plan"],
      adds: ["host_devices"],
      when: async (ctx) => (await import("./has-passthrough.js")).hasPassthrough(ctx),
      load: () => import("./stages/configure-vfio.js"),
    },
  ],
  commands: [
    {
      name: "vfio undo",
      summary: "give the devices apply --bind-vfio bound back to their drivers",
      usage: "vmforge vfio undo NAME [--dry-run] [--host-root DIR] [--json]",
      load: () => import("./commands/vfio-undo.js"),
    },
  ],
});
