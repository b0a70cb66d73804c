import { definePlugin, packageInfo } from "@vmforge/kernel";
import { guestAdds, guestPreflight, guestReads, whenGuest } from "@vmforge/plugin-qemu-setup/guest";
import { ANSWER_FILE_ARTIFACT, ANSWER_ISO_ARTIFACT, WINDOWS_GUEST } from "./names.js";

const SELF = "vmforge-plugin-windows";
const own = (key: string) => ({ key, provider: SELF });
const whenWindows = whenGuest(WINDOWS_GUEST, { table: "windows", ignored: "no answer file is made and no ISO attached" });

/** The manifest: no zod, no stage code, no XML until a run asks for a Windows guest. */
export const plugin = definePlugin({
  ...packageInfo(import.meta.url),
  kernelApi: 1,
  guests: [WINDOWS_GUEST],
  config: {
    tables: ["windows"],
    schema: async () => (await import("./config-schema.js")).windowsTableSchema,
    template: async () => (await import("./config-template.js")).windowsConfigTemplate,
  },
  // Before any stage (so before apply creates a disk): the ISOs exist, autounattend.iso is no file the description names.
  preflightCheck: guestPreflight(WINDOWS_GUEST, {
    files: [
      { name: ANSWER_ISO_ARTIFACT, what: `the answer-file ISO (${ANSWER_ISO_ARTIFACT}) that ${SELF} writes for guest = "windows"` },
      { name: ANSWER_FILE_ARTIFACT, what: `the answer file (${ANSWER_FILE_ARTIFACT}) that ${SELF} writes for guest = "windows"` },
    ],
    check: async (guest) => (await import("./media-check.js")).mediaProblems(guest),
  }),
  stages: [
    {
      id: "windows:declare_hardware_needs",
      description: "Asks for what Windows 11 needs: UEFI with Secure Boot and a TPM 2.0 (before the request is checked against the host)",
      reads: [guestReads.request],
      adds: [guestAdds.needs],
      when: whenWindows,
      load: () => import("./stages/declare-hardware-needs.js"),
    },
    {
      id: "windows:generate_autounattend",
      description: "Builds autounattend.xml from [windows] and writes it on its own ISO (volume AUTOUNATTEND)",
      reads: [guestReads.request, guestReads.definition],
      writes: ["windows_answer_file"],
      when: whenWindows,
      load: () => import("./stages/generate-autounattend.js"),
    },
    {
      id: "windows:attach_install_media",
      description: "Attaches the Windows ISO (boots first), the virtio-win ISO and the answer-file ISO as CD-ROMs",
      reads: [guestReads.request, guestReads.definition, own("windows_answer_file")],
      adds: [guestAdds.media],
      when: whenWindows,
      load: () => import("./stages/attach-install-media.js"),
    },
  ],
});
