/** The `vm.guest` value this plugin prepares. */
export const WINDOWS_GUEST = "windows";
/** The answer-file ISO in the run folder, and its volume label. */
export const ANSWER_ISO_ARTIFACT = "autounattend.iso";
export const ANSWER_VOLUME_ID = "AUTOUNATTEND";
/** Where Windows Setup looks for it: the root of every removable drive (implicit answer file search). */
export const ANSWER_FILE_NAME = "autounattend.xml";
/** A copy of the answer file beside the ISO, to read and check. */
export const ANSWER_FILE_ARTIFACT = "windows/autounattend.xml";
