import { createHash } from "node:crypto";
import type { StageContext } from "@vmforge/kernel";
import { vmDefinitionKey } from "@vmforge/plugin-qemu-setup/contract";
import { attachMedium } from "@vmforge/plugin-qemu-setup/guest";
import { cloudInitMetaDataKey, cloudInitSeedKey, cloudInitUserDataKey } from "../contract.js";
import { LINUX_GUEST } from "../linux-guest.js";
import { CLOUD_INIT_ARTIFACT_DIR, SEED_ISO_ARTIFACT } from "../seed-files.js";
import { buildSeedIso, SEED_FILE_NAMES, SEED_VOLUME_ID } from "../seed-iso.js";

/**
 * Writes cloud-init/{meta-data,user-data,network-config} and seed.iso as artifacts (in a dry
 * run only under --out), hands the seed to the definition as a read-only CD-ROM, and tells
 * other components the guest setup is done.
 */
export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const { userData, networkConfig } = ctx.get(cloudInitUserDataKey);
  const { metaData, instanceId } = ctx.get(cloudInitMetaDataKey);
  if (ctx.runName === undefined) ctx.setRunName(definition.name);

  const iso = buildSeedIso({ metaData, userData, networkConfig });
  const contents: Record<(typeof SEED_FILE_NAMES)[number], string> = { "meta-data": metaData, "user-data": userData, "network-config": networkConfig };
  // user-data may hold password hashes: it and the image are for the VM's owner only.
  for (const name of SEED_FILE_NAMES) {
    await ctx.writeArtifact(`${CLOUD_INIT_ARTIFACT_DIR}/${name}`, contents[name], { description: `cloud-init ${name}`, ...(name === "user-data" ? { mode: 0o600 } : {}) });
  }
  const artifact = await ctx.writeArtifact(SEED_ISO_ARTIFACT, iso, { description: "cloud-init NoCloud seed (volume cidata)", mode: 0o600 });
  const path = ctx.artifactPath(SEED_ISO_ARTIFACT);

  await attachMedium(ctx, { path, label: SEED_VOLUME_ID });
  ctx.set(cloudInitSeedKey, {
    path,
    bytes: iso.byteLength,
    sha256: createHash("sha256").update(iso).digest("hex"),
    volumeId: SEED_VOLUME_ID,
    files: [...SEED_FILE_NAMES],
  });
  ctx.dispatch("GuestSpecificSetupCompleted", { guest_type: LINUX_GUEST, output_path: path });
  const where = artifact.status === "done" ? path : `${path} (not written: dry run)`;
  ctx.ui.result(`cloud-init seed ISO ${where}, instance-id ${instanceId}`, { instanceId, bytes: iso.byteLength }, path);
}
