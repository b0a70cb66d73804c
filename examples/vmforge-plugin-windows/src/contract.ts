import { z } from "zod";
import { defineSessionKey } from "@vmforge/kernel";

/*
 * The session contract of vmforge-plugin-windows (additive changes only).
 *
 *   session.windows_answer_file  written by windows:generate_autounattend
 *   (windows:declare_hardware_needs adds to qemu-setup's session.guest_needs,
 *    windows:attach_install_media to its session.guest_media)
 */

export const windowsAnswerFileSchema = z.object({
  /** autounattend.xml as written on the ISO. */
  xml: z.string(),
  /** Absolute path of autounattend.iso (under --out in a dry run, or only in memory). */
  isoPath: z.string(),
  volumeId: z.string(),
  /** The image Setup installs (/IMAGE/NAME). */
  imageName: z.string(),
  computerName: z.string(),
});
export type WindowsAnswerFile = z.infer<typeof windowsAnswerFileSchema>;
/** Secret: the answer file holds the administrator's password (encoded, not encrypted). */
export const windowsAnswerFileKey = defineSessionKey<WindowsAnswerFile>("windows_answer_file", windowsAnswerFileSchema, { secret: true });
