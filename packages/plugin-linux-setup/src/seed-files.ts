import type { PreflightContext, Problem } from "@vmforge/kernel";
import { guestPreflight } from "@vmforge/plugin-qemu-setup/guest";
import { LINUX_GUEST } from "./linux-guest.js";

/** The files this plugin writes in the run folder. */
export const SEED_ISO_ARTIFACT = "seed.iso";
export const CLOUD_INIT_ARTIFACT_DIR = "cloud-init";
const CLOUD_INIT_FILES = ["meta-data", "user-data", "network-config"];

/**
 * Before any stage: no file of the VM description ([[disk]] path, base image...) may be the
 * seed ISO or a cloud-init file this plugin writes, or the seed would overwrite the disk (and
 * the VM attach one file twice).
 */
export async function seedFileClashes(ctx: PreflightContext): Promise<Problem[]> {
  return guestPreflight(LINUX_GUEST, {
    files: [
      { name: SEED_ISO_ARTIFACT, what: `the cloud-init seed ISO (${SEED_ISO_ARTIFACT}) that @vmforge/plugin-linux-setup writes for guest = "linux"` },
      ...CLOUD_INIT_FILES.map((name) => ({ name: `${CLOUD_INIT_ARTIFACT_DIR}/${name}`, what: `the cloud-init file ${CLOUD_INIT_ARTIFACT_DIR}/${name} that @vmforge/plugin-linux-setup writes for guest = "linux"` })),
    ],
  })(ctx);
}
