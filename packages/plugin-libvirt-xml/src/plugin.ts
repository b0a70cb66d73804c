import { definePlugin, packageInfo } from "@vmforge/kernel";

const QEMU_SETUP = "@vmforge/plugin-qemu-setup";

/** Manifest only: listing or planning never loads the stage, zod or fast-xml-parser. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  // domain.xml lands in the run folder: no file the VM description names may be it.
  preflightCheck: async (ctx) => (await import("./domain-file.js")).domainFileClashes(ctx),
  stages: [
    {
      id: "qemu_setup:generate_libvirt_xml",
      description: "Writes domain.xml for libvirt (virsh define) from the VM definition and the guest media",
      reads: [
        { key: "vm_definition", provider: QEMU_SETUP },
        { key: "user_vm_request", provider: QEMU_SETUP },
        { key: "guest_media", optional: true, provider: QEMU_SETUP },
        // Optional: only for the QEMU binary the command line uses; orders this stage after it when present.
        { key: "qemu_command", optional: true, provider: QEMU_SETUP },
      ],
      writes: ["libvirt_domain"],
      optional: true,
      when: async (ctx) => (await import("./stages/libvirt-xml-requested.js")).libvirtXmlRequested(ctx),
      load: () => import("./stages/generate-libvirt-xml.js"),
    },
  ],
});
